--[[
  One page of a selection: checks each lease against the selection's filters and, for a mass
  revocation, accepts the matching ones (pending|active -> revoking, queued; revocation_failed
  queued again when that state was selected). A pending or active lease of a provider whose
  revocation is local (named in ARGV, name and kind) is not queued: it goes straight to revoked
  (expired for the trigger `expired`), since the store's write is that provider's confirmation; it
  counts as accepted and confirmed, keeps its hash for the retention period, and records one
  `revoked` event (no `revoking` one), many to a stream entry (emitMany). Its task index is left
  alone: it scores the lease by the latest its hash can live, which its end does not pass. The
  page's end is saved in the operation's hash in the same step, so an operation resumed after a
  crash neither skips nor repeats a page. The caller may claim up to a number of the revocations
  it queues, to attempt them itself.

  KEYS[1] pending zset            pending
  KEYS[2] expiry zset             expiry
  KEYS[3] queue zset              queue
  KEYS[4] failed zset             failed
  KEYS[5] events stream           events
  KEYS[6] operation hash          op:<operationId>      (any key when counting)
  KEYS[7] all zset                all
  KEYS[8] retired zset            retired
  KEYS[9..] one per lease in ARGV: its hash

  ARGV[1] now (ms)
  ARGV[2] 'count' (change nothing) or 'accept'
  ARGV[3] trigger
  ARGV[4] '1' when a reason is given, else '0'
  ARGV[5] reason
  ARGV[6] operation id
  ARGV[7] events stream length cap
  ARGV[8] retention (ms): of the operation's hash, and of a lease revoked here
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
  ARGV[22] at most this many retired leases leave `all` in this call
  ARGV[23] n: how many providers revoke locally
  ARGV[24..23+2n] each one's name and kind
  ARGV[24+2n..] one per lease: its id

  Returns { matched, accepted, alreadyRevoking, { sampleId, ... }, { claimed, ... }, revoked (a JSON array) }
  where each claimed item is { id, provider, kind, handle ('' for the id), owner, task, trigger, reason, expiresAt, requestedAt };
  revoked lists the leases revoked here, six values each: id, provider, handle ('' for the id),
  owner, task, expiresAt.
]]
-- @include emit
-- @include accept
-- @include lease-time
-- @include retire
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
local retention = tonumber(ARGV[8])
-- As text once: a number passed to redis.call is formatted again on every call.
local purgeAt = tostring(tonumber(now) + retention)
local localKind = {}
local localCount = tonumber(ARGV[23])
for j = 1, localCount do
  localKind[ARGV[22 + 2 * j]] = ARGV[23 + 2 * j]
end
local first = 24 + 2 * localCount

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

-- Takes a pending or active lease straight to its terminal state: what accept and complete-n do
-- together, without the queue and the `revoking` event. The index changes of the page are made
-- together at the end.
local fromPending, fromExpiry, retiredArgs = {}, {}, {}
local revoked = {}
-- Lease id, task id, owner and expiresAt of each lease revoked here: their events, recorded
-- together at the end (emitMany).
local events = {}
local final = 'revoked'
if ARGV[3] == 'expired' then
  final = 'expired'
end
local count = 0
local function revokeAtOnce(key, id, f)
  -- requestFields' fields written directly (no table to build for each lease of a bulk step),
  -- and no operation id: this step counts the confirmation itself, nothing later has to.
  if reason then
    redis.call('HSET', key, 's', final, 'x', now, 'g', ARGV[3], 'q', now, 'r', reason)
  else
    redis.call('HSET', key, 's', final, 'x', now, 'g', ARGV[3], 'q', now)
  end
  redis.call('PEXPIRE', key, ARGV[8])
  if f[1] == 'pending' then
    fromPending[#fromPending + 1] = id
  else
    fromExpiry[#fromExpiry + 1] = id
  end
  retiredArgs[#retiredArgs + 1] = purgeAt
  retiredArgs[#retiredArgs + 1] = id
  count = count + 1
  local e = #events
  events[e + 1] = id
  events[e + 2] = f[3]
  events[e + 3] = f[2]
  events[e + 4] = f[4] or ''
  local n = #revoked
  revoked[n + 1] = id
  revoked[n + 2] = f[7]
  revoked[n + 3] = f[9] or ''
  revoked[n + 4] = f[2]
  revoked[n + 5] = f[3]
  revoked[n + 6] = f[4]
end

-- One command for many members, in slices that stay within Lua's stack.
local function many(command, key, args)
  for from = 1, #args, 4000 do
    redis.call(command, key, unpack(args, from, math.min(#args, from + 3999)))
  end
end

-- The fields read of each lease: s, o, t, e, g, i, p, d, h, k. Those only a filter or a retry
-- reads are asked for only when the selection has that filter or can select a
-- revocation_failed lease; in their place the state is read again (the first field, found at
-- once, where a missing field costs a scan of the whole hash).
local fieldNames = { 's', 'o', 't', 'e', 's', 's', 'p', 's', 'h', 'k' }
if selected and selected['revocation_failed'] then
  fieldNames[5] = 'g'
end
if after or before then
  fieldNames[6] = 'i'
end
if domain ~= '' then
  fieldNames[8] = 'd'
end

local matched, accepted, already = 0, 0, 0
local sample = {}
local task = ARGV[19]
local claimed = {}
for i = first, #ARGV do
  local id = ARGV[i]
  local key = KEYS[i - first + 9]
  local f = redis.call('HMGET', key, unpack(fieldNames))
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
    elseif accepting and state ~= 'revocation_failed' and localKind[f[7]] ~= nil and localKind[f[7]] == f[10] then
      revokeAtOnce(key, id, f)
      accepted = accepted + 1
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

if #events > 0 then
  emitMany(q.events, q.maxlen, final, final, ARGV[3], now, events)
end

if count > 0 then
  many('ZREM', q.pending, fromPending)
  many('ZREM', q.expiry, fromExpiry)
  many('ZADD', KEYS[8], retiredArgs)
  purgeRetired(KEYS[7], KEYS[8], tonumber(now), tonumber(ARGV[22]))
end

if accepting then
  redis.call('HINCRBY', KEYS[6], 'matched', matched)
  redis.call('HINCRBY', KEYS[6], 'accepted', accepted)
  redis.call('HINCRBY', KEYS[6], 'already', already)
  if count > 0 then
    redis.call('HINCRBY', KEYS[6], 'confirmed', count)
  end
  if ARGV[17] ~= '' then
    redis.call('HSET', KEYS[6], 'cursor', ARGV[17])
  end
  if ARGV[18] == '1' then
    redis.call('HSET', KEYS[6], 'done', '1')
  end
  redis.call('PEXPIRE', KEYS[6], ARGV[8])
end

-- The leases revoked here as one JSON array: one bulk string costs both sides a fraction of what
-- six per lease do.
local packedRevoked = '[]'
if #revoked > 0 then
  packedRevoked = cjson.encode(revoked)
end
return { matched, accepted, already, sample, claimed, packedRevoked }
