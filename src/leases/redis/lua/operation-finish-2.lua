--[[
  Marks a mass revocation's selection done: it leaves the operations index and its record is kept
  for the retention period.

  KEYS[1] operations zset   ops
  KEYS[2] operation hash    opdef:<operationId>

  ARGV[1] operation id
  ARGV[2] now (ms)
  ARGV[3] retention (ms)

  Returns { 0 }
]]
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'state', 'selected', 'selectedAt', ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return { 0 }
