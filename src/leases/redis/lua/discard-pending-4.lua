--[[
  Removes a pending lease that has no idempotency key, with its index entries: a request refused
  before its credential was minted leaves nothing behind.

  KEYS[1] lease hash      lease:<id>
  KEYS[2] pending zset    pending
  KEYS[3] all zset        all
  KEYS[4] task zset       task:<taskId>

  ARGV[1] lease id

  Returns 1 when removed, 0 when there is no such lease, it is not pending, or it has a key.
]]
local f = redis.call('HMGET', KEYS[1], 's', 'y')
if f[1] ~= 'pending' or f[2] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
