--[[
  Records a mass revocation before it starts, claimed by the replica that runs it.

  KEYS[1] operations zset   ops
  KEYS[2] operation hash    opdef:<operationId>

  ARGV[1] operation id
  ARGV[2] claim end (ms)
  ARGV[3] owner (the claiming replica)
  ARGV[4] retention (ms) of the record once finished
  ARGV[5..] field/value pairs of the definition

  Returns { 0 } created, { -6 } the id is taken
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return { -6 }
end
redis.call('HSET', KEYS[2], 'owner', ARGV[3], 'state', 'selecting', unpack(ARGV, 5))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return { 0 }
