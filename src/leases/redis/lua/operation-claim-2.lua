--[[
  Takes over (or extends) the claim on a mass revocation. Taking over needs the old claim to have
  lapsed; extending needs the caller to be the current owner.

  KEYS[1] operations zset   ops
  KEYS[2] operation hash    opdef:<operationId>

  ARGV[1] operation id
  ARGV[2] now (ms)
  ARGV[3] claim end (ms)
  ARGV[4] owner
  ARGV[5] 'takeover' or 'extend'

  Returns
    { 0, field, value, ... }   claimed; the definition follows
    { -1 }                     no such operation still selecting
    { -2 }                     claimed by another replica
]]
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or redis.call('HGET', KEYS[2], 'state') ~= 'selecting' then
  return { -1 }
end
local owner = redis.call('HGET', KEYS[2], 'owner')
if ARGV[5] == 'extend' then
  if owner ~= ARGV[4] then
    return { -2 }
  end
elseif tonumber(score) > tonumber(ARGV[2]) then
  return { -2 }
end
redis.call('HSET', KEYS[2], 'owner', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return { 0, unpack(redis.call('HGETALL', KEYS[2])) }
