-- Housekeeping once leases turned terminal in a script. A task index keeps a lease until its
-- retention ends, and expires with its last entry once no live lease is left in it (`tasks` holds
-- the task index keys written, as table keys): its highest score is then a retention's end, not
-- +inf. With `prune`, entries whose retention has ended leave first (writing a lease also prunes
-- its task's index, so a bulk step may leave that to it). At most `limit` leases whose retention
-- has ended leave the `all` index (and `retired`).
local function tidyTasks(tasks, now, prune)
  for taskKey in pairs(tasks) do
    if prune then
      redis.call('ZREMRANGEBYSCORE', taskKey, '-inf', now)
    end
    local last = redis.call('ZRANGE', taskKey, -1, -1, 'WITHSCORES')
    if last[2] and tonumber(last[2]) ~= math.huge then
      redis.call('PEXPIRE', taskKey, math.max(1, tonumber(last[2]) - now))
    end
  end
end

local function purgeRetired(allKey, retiredKey, now, limit)
  local due = redis.call('ZRANGEBYSCORE', retiredKey, '-inf', now, 'LIMIT', 0, limit)
  if #due > 0 then
    redis.call('ZREM', allKey, unpack(due))
    redis.call('ZREM', retiredKey, unpack(due))
  end
end
