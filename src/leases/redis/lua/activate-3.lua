--[[
  pending -> active with the expiry the provider confirmed, capped at the lease's max expiry.

  KEYS[1] lease hash     lease:<id>
  KEYS[2] pending zset   pending
  KEYS[3] expiry zset    expiry

  ARGV[1] lease id
  ARGV[2] expiresAt (ms)

  Returns
    { 0, field, value, ... }   activated
    { -1 }                     no such lease
    { -3, field, value, ... }  not pending
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return { -1 }
end
if state ~= 'pending' then
  return { -3, unpack(redis.call('HGETALL', KEYS[1])) }
end

local expiresAt = ARGV[2]
local maxExpiresAt = redis.call('HGET', KEYS[1], 'maxExpiresAt')
if tonumber(expiresAt) > tonumber(maxExpiresAt) then
  expiresAt = maxExpiresAt
end

redis.call('HSET', KEYS[1], 'state', 'active', 'expiresAt', expiresAt)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], expiresAt, ARGV[1])
return { 0, unpack(redis.call('HGETALL', KEYS[1])) }
