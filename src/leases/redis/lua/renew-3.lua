--[[
  Extends an active, unexpired lease to min(requested, max expiry) and counts the renewal.
  The owner check comes first so a non-owner learns nothing about the lease's state.
  A renewal never shortens a lease. Records a `renewed` event.

  KEYS[1] lease hash      lease:<id>
  KEYS[2] expiry zset     expiry
  KEYS[3] events stream   events

  ARGV[1] lease id
  ARGV[2] '1' when the owner must match, else '0'
  ARGV[3] owner SPIFFE ID (when ARGV[2] is '1')
  ARGV[4] requested expiresAt (ms)
  ARGV[5] now (ms)
  ARGV[6] events stream length cap

  Returns
    { 0, packed hash }   renewed
    { -1 }               no such lease
    { -2 }               not the owner
    { -3, packed hash }   not active
    { -4, packed hash }   active but already past its expiry
    { -5, packed hash }   already at its max expiry
]]
-- @include emit
-- @include packed
local f = redis.call('HMGET', KEYS[1], 's', 'o', 'e', 'm', 't')
if not f[1] then
  return { -1 }
end
if ARGV[2] == '1' and f[2] ~= ARGV[3] then
  return { -2 }
end
if f[1] ~= 'active' then
  return { -3, packed(KEYS[1]) }
end

local current = tonumber(f[3])
local max = tonumber(f[4])
if current <= tonumber(ARGV[5]) then
  return { -4, packed(KEYS[1]) }
end
if current >= max then
  return { -5, packed(KEYS[1]) }
end

local target = ARGV[4]
if tonumber(target) > max then
  target = f[4]
end
if tonumber(target) < current then
  target = f[3]
end

redis.call('HSET', KEYS[1], 'e', target)
redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('ZADD', KEYS[2], target, ARGV[1])
emit(KEYS[3], ARGV[6], 'renewed', ARGV[1], f[5], f[2], 'active', nil, target, ARGV[5])
return { 0, packed(KEYS[1]) }
