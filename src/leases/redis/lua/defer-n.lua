--[[
  Puts claimed revocations back in the queue for a later attempt, counting the failed attempt and
  its error code. A lease that is no longer revoking or no longer queued is left alone.

  KEYS[1] queue zset      queue
  KEYS[2..] lease hashes, one per item

  ARGV[1] now (ms)
  ARGV[2..] five per item: lease id, retry at (ms), '1' when an attempt failed (else '0'), error code ('' none),
            the caller's claim end ('' for any: else the item is put back only while its score still equals it)

  Returns { count }: the number of items put back.
]]
local count = 0
for i = 0, (#ARGV - 2) / 5 do
  local id = ARGV[2 + i * 5]
  local key = KEYS[2 + i]
  local score = redis.call('ZSCORE', KEYS[1], id)
  local held = ARGV[6 + i * 5]
  if score and (held == '' or tonumber(score) == tonumber(held)) and redis.call('HGET', key, 's') == 'revoking' then
    redis.call('ZADD', KEYS[1], ARGV[3 + i * 5], id)
    if ARGV[4 + i * 5] == '1' then
      redis.call('HINCRBY', key, 'a', 1)
    end
    if ARGV[5 + i * 5] ~= '' then
      redis.call('HSET', key, 'z', ARGV[5 + i * 5])
    end
    count = count + 1
  end
end
return { count }
