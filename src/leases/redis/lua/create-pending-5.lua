--[[
  Writes a new lease in state `pending` and indexes it; with an idempotency claim, first checks
  whether the same owner already used the key.

  KEYS[1] lease hash               lease:<id>
  KEYS[2] pending zset             pending
  KEYS[3] all zset                 all
  KEYS[4] task zset                task:<taskId>
  KEYS[5] idempotency hash         idem:<sha256(owner \n key)>; KEYS[1] again when there is no claim

  ARGV[1] lease id
  ARGV[2] issuedAt (ms): the time the claim is checked against
  ARGV[3] '1' when an idempotency claim is made, else '0'
  ARGV[4] request digest
  ARGV[5] idempotency ttl (ms), already capped at the terminal retention
  ARGV[6] idempotency expiry (ms): issuedAt + ttl
  ARGV[7] id of a lease the claim may point to that no longer exists ('' when none): such a record is replaced
  ARGV[8] the lease's score in its task index: its maxExpiresAt plus the terminal retention, the
          latest its hash lives unless its revocation is given up on
  ARGV[9..] lease hash field/value pairs

  Returns
    { 1 }                      created (the hash is what ARGV[9..] gave)
    { 2, leaseId }             existing: the same request was already made under this key
    { 3, leaseId }             conflict: a different request was made under this key
    { -6 }                     the lease id is already in use
]]
-- @include retire
local id = ARGV[1]
local claimed = ARGV[3] == '1'

if claimed then
  local record = redis.call('HMGET', KEYS[5], 'leaseId', 'digest', 'expiresAt')
  if record[1] and record[1] ~= ARGV[7] and tonumber(record[3]) > tonumber(ARGV[2]) then
    if record[2] == ARGV[4] then
      return { 2, record[1] }
    end
    return { 3, record[1] }
  end
end

if redis.call('EXISTS', KEYS[1]) == 1 then
  return { -6 }
end

redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('ZADD', KEYS[2], ARGV[2], id)
redis.call('ZADD', KEYS[3], ARGV[2], id)
-- Task entries past their score go; the index lives as long as its highest entry (for ever while
-- it holds a lease given up on, scored +inf).
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[8], id)
tidyTasks({ [KEYS[4]] = true }, tonumber(ARGV[2]), false)

if claimed then
  redis.call('DEL', KEYS[5])
  redis.call('HSET', KEYS[5], 'leaseId', id, 'digest', ARGV[4], 'expiresAt', ARGV[6])
  redis.call('PEXPIRE', KEYS[5], ARGV[5])
end

return { 1 }
