-- The issue time a lease id carries (a ULID): its first ten characters, Crockford base32 in lower
-- case. The hash keeps issuedAt (field i) only when it differs from this.
local BASE32 = '0123456789abcdefghjkmnpqrstvwxyz'
local DIGIT = {}
for i = 1, 32 do
  DIGIT[string.byte(BASE32, i)] = i - 1
end
local function idTime(id)
  local t = 0
  for i = 1, 10 do
    t = t * 32 + (DIGIT[string.byte(id, i)] or 0)
  end
  return t
end
