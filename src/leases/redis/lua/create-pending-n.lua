--[[
  Writes new leases of one shard in state `pending` and indexes them; a lease with an idempotency
  claim first checks whether the same owner already used the key. The leases are written in order,
  each as if alone: a later one sees an earlier one's claim.

  KEYS[1] pending zset                 pending
  KEYS[2] all zset                     all
  then for lease i (1-based), at 3 + 3 * (i - 1):
    lease hash                         lease:<id>
    task zset                          task:<taskId>
    idempotency hash                   idem:<sha256(owner \n key)>; the lease hash again when there is no claim

  ARGV[1] now (ms): task index entries scored at or below it leave their index
  ARGV[2] the leases, as one JSON array with, for each lease, an array of strings:
    lease id
    issuedAt (ms): the time the claim is checked against
    '1' when an idempotency claim is made, else '0'
    request digest
    idempotency ttl (ms), already capped at the terminal retention
    idempotency expiry (ms): issuedAt + ttl
    id of a lease the claim may point to that no longer exists ('' when none): such a record is replaced
    the lease's score in its task index: its maxExpiresAt plus the terminal retention, the latest
      its hash lives unless its revocation is given up on
    then the lease hash's field/value pairs

  Returns one reply per lease, in order, all of them as one JSON array (one string is far cheaper
  for the client to read than as many nested replies):
    { 1 }                      created (the hash is what its arguments gave)
    { 2, leaseId }             existing: the same request was already made under this key
    { 3, leaseId }             conflict: a different request was made under this key
    { -6 }                     the lease id is already in use
]]
-- @include retire
local replies = {}
local tasks = {}
-- Index entries, added once per index at the end: nothing below reads an index.
local byTime = {}
local byTask = {}
for n, item in ipairs(cjson.decode(ARGV[2])) do
  local leaseKey, taskKey, claimKey = KEYS[3 * n], KEYS[3 * n + 1], KEYS[3 * n + 2]
  local id, issuedAt, claimed, digest = item[1], item[2], item[3] == '1', item[4]
  local claimTtl, claimExpiry, stale, taskScore = item[5], item[6], item[7], item[8]

  local reply
  if claimed then
    local record = redis.call('HMGET', claimKey, 'leaseId', 'digest', 'expiresAt')
    if record[1] and record[1] ~= stale and tonumber(record[3]) > tonumber(issuedAt) then
      reply = { record[2] == digest and 2 or 3, record[1] }
    end
  end
  if not reply and redis.call('EXISTS', leaseKey) == 1 then
    reply = { -6 }
  end
  if not reply then
    redis.call('HSET', leaseKey, unpack(item, 9))
    byTime[#byTime + 1] = issuedAt
    byTime[#byTime + 1] = id
    local entries = byTask[taskKey]
    if not entries then
      entries = {}
      byTask[taskKey] = entries
      tasks[taskKey] = true
    end
    entries[#entries + 1] = taskScore
    entries[#entries + 1] = id
    if claimed then
      redis.call('DEL', claimKey)
      redis.call('HSET', claimKey, 'leaseId', id, 'digest', digest, 'expiresAt', claimExpiry)
      redis.call('PEXPIRE', claimKey, claimTtl)
    end
    reply = { 1 }
  end
  replies[n] = reply
end

if #byTime > 0 then
  redis.call('ZADD', KEYS[1], unpack(byTime))
  redis.call('ZADD', KEYS[2], unpack(byTime))
end
for taskKey, entries in pairs(byTask) do
  redis.call('ZADD', taskKey, unpack(entries))
end

-- Task entries past their score go; an index lives as long as its highest entry (for ever while it
-- holds a lease given up on, scored +inf). New entries score above now, so none of them goes.
tidyTasks(tasks, tonumber(ARGV[1]), true)
return cjson.encode(replies)
