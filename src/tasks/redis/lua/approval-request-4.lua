-- Writes a pending approval unless the requester has a live one for the same request.
-- KEYS[1] new approval hash   KEYS[2] request index (requester + digest → approval id)
-- KEYS[3] approval list (sorted set of ids)   KEYS[4] hash of the approval the index named when read
--         (KEYS[1] again when it named none)
-- ARGV[1] id the index named when read ('' for none)   ARGV[2] now (ms)   ARGV[3] how long (ms) to keep the record
-- ARGV[4] how long (ms) the index entry stands   ARGV[5] new id   ARGV[6] list entries created before this id are dropped
-- ARGV[7..] field, value, … of the new approval
-- Reply: {1} created | {2, field, value, …} the live approval found | {-9} the index moved: read again
--        {-6} the new id is taken
local current = redis.call('GET', KEYS[2])
if (current or '') ~= ARGV[1] then return {-9} end
local now = tonumber(ARGV[2])
if current then
  local f = redis.call('HMGET', KEYS[4], 'state', 'expiresAt')
  if f[1] and (f[1] == 'pending' or f[1] == 'approved' or f[1] == 'denied') and now < tonumber(f[2]) then
    local reply = {2}
    for _, v in ipairs(redis.call('HGETALL', KEYS[4])) do reply[#reply + 1] = v end
    return reply
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {-6} end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('HSET', KEYS[1], 'state', 'pending')
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[3])))
redis.call('SET', KEYS[2], ARGV[5], 'PX', math.max(1, tonumber(ARGV[4])))
redis.call('ZADD', KEYS[3], 0, ARGV[5])
redis.call('ZREMRANGEBYLEX', KEYS[3], '-', '(' .. ARGV[6])
return {1}
