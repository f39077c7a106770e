-- Delegates: writes a child task under its parent, if the parent is the delegator's and open, and
-- the child's id is free.
-- KEYS[1] child hash   KEYS[2] child live set   KEYS[3] parent hash   KEYS[4] parent live set
-- KEYS[5] parent's children set
-- ARGV[1] delegator SPIFFE ID   ARGV[2] now (ms)   ARGV[3] how long (ms) to keep the child record
-- ARGV[4] child id   ARGV[5..] field, value, … of the child
-- Reply: {1}                                   created
--        {-1}                                  no parent
--        {-2, parent live count, field, …}     parent not the delegator's, or not open now
--        {-3, child live count, field, …}      the child's id is taken
local function with_fields(code, hash, live)
  local reply = {code, redis.call('SCARD', live)}
  for _, v in ipairs(redis.call('HGETALL', hash)) do reply[#reply + 1] = v end
  return reply
end
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1} end
local parent = redis.call('HMGET', KEYS[3], 'owner', 'state', 'expiresAt')
if parent[1] ~= ARGV[1] or parent[2] ~= 'open' or tonumber(ARGV[2]) >= tonumber(parent[3]) then
  return with_fields(-2, KEYS[3], KEYS[4])
end
if redis.call('EXISTS', KEYS[1]) == 1 then return with_fields(-3, KEYS[1], KEYS[2]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('HSET', KEYS[1], 'state', 'open', 'credentialsIssued', 0, 'deviations', 0)
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[3])))
redis.call('SADD', KEYS[5], ARGV[4])
local ttl = redis.call('PTTL', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[5], ttl) end
return {1}
