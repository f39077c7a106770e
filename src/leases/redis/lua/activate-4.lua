--[[
  pending -> active with the expiry the provider confirmed, capped at the lease's max expiry.
  Records an `issued` event.

  KEYS[1] lease hash      lease:<id>
  KEYS[2] pending zset    pending
  KEYS[3] expiry zset     expiry
  KEYS[4] events stream   events

  ARGV[1] lease id
  ARGV[2] expiresAt (ms)
  ARGV[3] now (ms)
  ARGV[4] events stream length cap

  Returns
    { 0, packed hash }   activated
    { -1 }               no such lease
    { -3, packed hash }   not pending
]]
-- @include emit
-- @include packed
local f = redis.call('HMGET', KEYS[1], 's', 'm', 'o', 't')
if not f[1] then
  return { -1 }
end
if f[1] ~= 'pending' then
  return { -3, packed(KEYS[1]) }
end

local expiresAt = ARGV[2]
if tonumber(expiresAt) > tonumber(f[2]) then
  expiresAt = f[2]
end

redis.call('HSET', KEYS[1], 's', 'active', 'e', expiresAt)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], expiresAt, ARGV[1])
emit(KEYS[4], ARGV[4], 'issued', ARGV[1], f[4], f[3], 'active', nil, expiresAt, ARGV[3])
return { 0, packed(KEYS[1]) }
