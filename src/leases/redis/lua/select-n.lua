--[[
  One page of a selection: checks each lease against the selection's filters and, for a mass
  revocation, accepts the matching ones (pending|active -> revoking, queued; revocation_failed
  queued again when that state was selected). The page's end is saved in the operation's hash in
  the same step, so an operation resumed after a crash neither skips nor repeats a page. The
  caller may claim up to a number of the revocations it accepts, to attempt them itself.

  KEYS[1] pending zset            pending
  KEYS[2] expiry zset             expiry
  KEYS[3] queue zset              queue
  KEYS[4] failed zset             failed
  KEYS[5] events stream           events
  KEYS[6] operation hash          op:<operationId>      (any key when counting)
  KEYS[7..] lease hashes, one per id in ARGV[22..]

  ARGV[1] now (ms)
  ARGV[2] 'count' (change nothing) or 'accept'
  ARGV[3] trigger
  ARGV[4] '1' when a reason is given, else '0'
  ARGV[5] reason
  ARGV[6] operation id
  ARGV[7] events stream length cap
  ARGV[8] retention (ms) of the operation's hash
  ARGV[9] how many matched ids to return as a sample
  ARGV[10] owner SPIFFE ID ('' any)
  ARGV[11] owner prefix: the ID itself or any ID below it as a path ('' any)
  ARGV[12] trust domain ('' any)
  ARGV[13] provider ('' any)
  ARGV[14] issued after, exclusive (ms; '' none)
  ARGV[15] issued before, exclusive (ms; '' none)
  ARGV[16] states, comma-separated ('' for pending and active)
  ARGV[17] the shard's cursor after this page ('' to leave it)
  ARGV[18] '1' when this page ends the shard's part of the selection
  ARGV[19] task id ('' any)
  ARGV[20] claim end (ms) for the revocations the caller attempts itself ('' for none)
  ARGV[21] at most this many claimed
  ARGV[22..] lease ids

  Returns { matched, accepted, alreadyRevoking, { sampleId, ... }, { claimed, ... } } where each
  claimed item is { id, provider, kind, handle ('' for the id), owner, task, trigger, reason, expiresAt, requestedAt }
]]
-- @include emit
-- @include accept
-- @include lease-time
local now = ARGV[1]
local accepting = ARGV[2] == 'accept'
local reason = nil
if ARGV[4] == '1' then
  reason = ARGV[5]
end
local sampleSize = tonumber(ARGV[9])
local owner, prefix, domain, provider = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local after = tonumber(ARGV[14])
local before = tonumber(ARGV[15])
local selected = nil
if ARGV[16] ~= '' then
  selected = {}
  for state in string.gmatch(ARGV[16], '[^,]+') do
    selected[state] = true
  end
end
local q = { pending = KEYS[1], expiry = KEYS[2], queue = KEYS[3], failed = KEYS[4], events = KEYS[5], maxlen = ARGV[7] }
local claimUntil = ARGV[20]
local claimMax = tonumber(ARGV[21]) or 0
local opField = { 'op', ARGV[6] }

local function ownerMatches(o)
  if owner ~= '' and o ~= owner then
    return false
  end
  if prefix ~= '' then
    if string.sub(o, 1, #prefix) ~= prefix then
      return false
    end
    if #o > #prefix and string.sub(o, #prefix + 1, #prefix + 1) ~= '/' then
      return false
    end
  end
  return true
end

local matched, accepted, already = 0, 0, 0
local sample = {}
local task = ARGV[19]
local claimed = {}
for i = 22, #ARGV do
  local id = ARGV[i]
  local key = KEYS[i - 15]
  local f = redis.call('HMGET', key, 's', 'o', 't', 'e', 'g', 'i', 'p', 'd', 'h', 'k')
  local state = f[1]
  local wanted = false
  if state then
    if selected then
      wanted = selected[state] == true and state ~= 'revoked' and state ~= 'expired'
    else
      wanted = state == 'pending' or state == 'active' or state == 'revoking'
    end
  end
  if wanted and not ownerMatches(f[2]) then
    wanted = false
  end
  if wanted and domain ~= '' then
    local d = f[8] or string.match(f[2], '^spiffe://([^/]+)')
    wanted = d == domain
  end
  if wanted and task ~= '' and f[3] ~= task then
    wanted = false
  end
  if wanted and provider ~= '' and f[7] ~= provider then
    wanted = false
  end
  if wanted and (after or before) then
    local issued = tonumber(f[6]) or idTime(id)
    if (after and issued <= after) or (before and issued >= before) then
      wanted = false
    end
  end
  if wanted then
    matched = matched + 1
    if #sample < sampleSize then
      sample[#sample + 1] = id
    end
    if state == 'revoking' then
      already = already + 1
    elseif accepting then
      local dueAt = now
      local claim = claimUntil ~= '' and #claimed < claimMax and state ~= 'revocation_failed'
      if claim then
        dueAt = claimUntil
      end
      accept(q, key, id, f, now, ARGV[3], reason, dueAt, opField)
      accepted = accepted + 1
      if claim then
        claimed[#claimed + 1] = { id, f[7], f[10], f[9] or '', f[2], f[3], ARGV[3], reason or '', f[4], now }
      end
    end
  end
end

if accepting then
  redis.call('HINCRBY', KEYS[6], 'matched', matched)
  redis.call('HINCRBY', KEYS[6], 'accepted', accepted)
  redis.call('HINCRBY', KEYS[6], 'already', already)
  if ARGV[17] ~= '' then
    redis.call('HSET', KEYS[6], 'cursor', ARGV[17])
  end
  if ARGV[18] == '1' then
    redis.call('HSET', KEYS[6], 'done', '1')
  end
  redis.call('PEXPIRE', KEYS[6], ARGV[8])
end

return { matched, accepted, already, sample, claimed }
