--[[
  pending|active -> revoking, recording trigger, reason and request time. A lease already revoking
  or terminal is left as it is: revocation is idempotent and the first trigger wins.

  KEYS[1] lease hash      lease:<id>
  KEYS[2] pending zset    pending
  KEYS[3] expiry zset     expiry
  KEYS[4] revoking zset   revoking

  ARGV[1] lease id
  ARGV[2] '1' when the owner must match, else '0'
  ARGV[3] owner SPIFFE ID (when ARGV[2] is '1')
  ARGV[4] trigger
  ARGV[5] '1' when a reason is given, else '0'
  ARGV[6] reason (when ARGV[5] is '1')
  ARGV[7] now (ms)

  Returns
    { 0, field, value, ... }   now revoking
    { 4, field, value, ... }   unchanged: already revoking or terminal
    { -1 }                     no such lease
    { -2 }                     not the owner
]]
local f = redis.call('HMGET', KEYS[1], 'state', 'owner')
if not f[1] then
  return { -1 }
end
if ARGV[2] == '1' and f[2] ~= ARGV[3] then
  return { -2 }
end
if f[1] ~= 'pending' and f[1] ~= 'active' then
  return { 4, unpack(redis.call('HGETALL', KEYS[1])) }
end

redis.call('HSET', KEYS[1], 'state', 'revoking', 'trigger', ARGV[4], 'revokeRequestedAt', ARGV[7])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'reason', ARGV[6])
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[1])
return { 0, unpack(redis.call('HGETALL', KEYS[1])) }
