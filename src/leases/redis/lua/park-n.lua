--[[
  revoking -> revocation_failed for revocations given up on after the give-up window. The lease
  leaves the queue and joins the failed index; it has no TTL and stays until an operator queues it
  again, and so does its task index, where it is scored +inf (its completion scores it by its
  retention's end again). A mass revocation that accepted the lease counts the failure.

  KEYS[1] queue zset      queue
  KEYS[2] failed zset     failed
  KEYS[3] events stream   events
  KEYS[4..] three per lease: lease hash, operation hash (the lease hash again when there is none),
            task zset

  ARGV[1] now (ms)
  ARGV[2] events stream length cap
  ARGV[3] retention (ms) for the operation hash
  ARGV[4..] four per lease: lease id, error code, operation id ('' for none), task id the caller
            read (the hash must still say so)

  Returns one entry per lease
    { 0, 'revocation_failed' }  given up
    { -3, state }               not revoking
    { -1 }                      no such lease (or not of that task)
]]
-- @include emit
local out = {}
for i = 0, (#ARGV - 4) / 4 do
  local id = ARGV[4 + i * 4]
  local key = KEYS[4 + i * 3]
  local f = redis.call('HMGET', key, 's', 'g', 't', 'o', 'e')
  if not f[1] or f[3] ~= ARGV[7 + i * 4] then
    out[#out + 1] = { -1 }
  elseif f[1] ~= 'revoking' then
    out[#out + 1] = { -3, f[1] }
  else
    redis.call('HSET', key, 's', 'revocation_failed', 'z', ARGV[5 + i * 4], 'f', ARGV[1])
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[2], ARGV[1], id)
    local taskKey = KEYS[6 + i * 3]
    redis.call('ZADD', taskKey, '+inf', id)
    redis.call('PERSIST', taskKey)
    if ARGV[6 + i * 4] ~= '' then
      local opKey = KEYS[5 + i * 3]
      redis.call('HINCRBY', opKey, 'failed', 1)
      if redis.call('PTTL', opKey) < 0 then
        redis.call('PEXPIRE', opKey, ARGV[3])
      end
    end
    emit(KEYS[3], ARGV[2], 'revocation_failed', id, f[3], f[4], 'revocation_failed', f[2], f[5], ARGV[1])
    out[#out + 1] = { 0, 'revocation_failed' }
  end
end
return out
