--[[
  pending|active -> revoking for each lease, recording trigger, reason and request time, and queues
  each revocation. A lease already revoking or terminal is left as it is: revocation is idempotent
  and the first trigger wins. The reaper uses a condition so a lease renewed or activated since it
  was read is left alone.

  KEYS[1] pending zset    pending
  KEYS[2] expiry zset     expiry
  KEYS[3] queue zset      queue
  KEYS[4] failed zset     failed
  KEYS[5] events stream   events
  KEYS[6..] lease hashes, one per id in ARGV[13..]

  ARGV[1] now (ms)
  ARGV[2] trigger
  ARGV[3] '1' when a reason is given, else '0'
  ARGV[4] reason
  ARGV[5] queue score: now (due), or later when the caller claims the attempt
  ARGV[6] condition: 'any', 'expired' (active and expiresAt <= ARGV[7]) or 'stale' (pending and issuedAt <= ARGV[7])
  ARGV[7] condition time (ms)
  ARGV[8] '1' when the owner must match, else '0'
  ARGV[9] owner SPIFFE ID
  ARGV[10] '1' to queue revocation_failed leases again, else '0'
  ARGV[11] events stream length cap
  ARGV[12] '1' to reply with each lease's fields, else '0'
  ARGV[13..] lease ids

  Returns one entry per id
    { 0, field, value, ... }   accepted: now revoking
    { 4, field, value, ... }   unchanged: already revoking or terminal
    { 5 }                      skipped: the condition does not hold
    { -1 }                     no such lease
    { -2 }                     not the owner
]]
-- @include emit
-- @include accept
-- @include lease-time
local now = ARGV[1]
local trigger = ARGV[2]
local reason = nil
if ARGV[3] == '1' then
  reason = ARGV[4]
end
local dueAt = ARGV[5]
local condition = ARGV[6]
local conditionTime = tonumber(ARGV[7])
local checkOwner = ARGV[8] == '1'
local requeue = ARGV[10] == '1'
local withFields = ARGV[12] == '1'
local q = { pending = KEYS[1], expiry = KEYS[2], queue = KEYS[3], failed = KEYS[4], events = KEYS[5], maxlen = ARGV[11] }

local out = {}
for i = 13, #ARGV do
  local id = ARGV[i]
  local key = KEYS[i - 7]
  local f = redis.call('HMGET', key, 's', 'o', 't', 'e', 'g', 'i')
  local code
  if not f[1] then
    code = -1
  elseif checkOwner and f[2] ~= ARGV[9] then
    code = -2
  elseif condition == 'expired' and (f[1] ~= 'active' or tonumber(f[4]) > conditionTime) then
    code = 5
  elseif condition == 'stale' and (f[1] ~= 'pending' or (tonumber(f[6]) or idTime(id)) > conditionTime) then
    code = 5
  elseif f[1] == 'pending' or f[1] == 'active' or (requeue and f[1] == 'revocation_failed') then
    accept(q, key, id, f, now, trigger, reason, dueAt, nil)
    code = 0
  else
    code = 4
  end
  if withFields and (code == 0 or code == 4) then
    out[#out + 1] = { code, unpack(redis.call('HGETALL', key)) }
  else
    out[#out + 1] = { code }
  end
end
return out
