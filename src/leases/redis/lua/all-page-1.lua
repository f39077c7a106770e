--[[
  The next page of a shard's `all` index after a selection's cursor, oldest first, up to a score.
  The index orders entries by score (issue time), then id; while the cursor's lease is still
  indexed, the page is simply what follows it by rank, so leases issued in the same millisecond
  are paged like any others. Otherwise the rest of the cursor's millisecond comes whole, then the
  later entries. Changes nothing.

  KEYS[1] all zset    all

  ARGV[1] the cursor's score (ms)
  ARGV[2] the cursor's lease id
  ARGV[3] highest score selected (ms)
  ARGV[4] page size
  ARGV[5] the cursor's score as an exclusive bound: '(' and the score

  Returns { ended, lastScore, id, id, ... }: ended is 1 when no entry up to the highest score is
  left after the page, else 0; lastScore is the score of the page's last entry ('' when empty)
]]
local all = KEYS[1]
local score = tonumber(ARGV[1])
local last = ARGV[2]
local size = tonumber(ARGV[4])

local rank = redis.call('ZRANK', all, last)
if rank then
  -- Ranks 0 .. upTo - 1 hold the entries selected by score.
  local upTo = redis.call('ZCOUNT', all, '-inf', ARGV[3])
  local stop = math.min(rank + size, upTo - 1)
  if stop <= rank then
    return { 1, '' }
  end
  local out = { 0, '' }
  if stop >= upTo - 1 then
    out[1] = 1
  end
  local ids = redis.call('ZRANGE', all, rank + 1, stop)
  for i = 1, #ids do
    out[i + 2] = ids[i]
  end
  out[2] = redis.call('ZSCORE', all, ids[#ids])
  return out
end

-- The cursor's lease has left the index: the rest of its millisecond, then up to a page more.
local out = { 0, '' }
local tied = redis.call('ZRANGEBYSCORE', all, score, score)
for i = 1, #tied do
  if tied[i] > last then
    out[#out + 1] = tied[i]
    out[2] = ARGV[1]
  end
end
local later = redis.call('ZRANGEBYSCORE', all, ARGV[5], ARGV[3], 'WITHSCORES', 'LIMIT', 0, size)
for i = 1, #later, 2 do
  out[#out + 1] = later[i]
  out[2] = later[i + 1]
end
if #later < 2 * size then
  out[1] = 1
end
return out
