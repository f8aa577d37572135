-- t/dns/tap.lua - the few TAP helpers the DNS test scripts share.
local tap = { n = 0, failed = 0 }

--- ok(cond, name [, why]): one test line
function tap.ok(cond, name, why)
  tap.n = tap.n + 1
  if cond then
    print("ok " .. tap.n .. " - " .. name)
  else
    tap.failed = tap.failed + 1
    print("not ok " .. tap.n .. " - " .. name .. (why and (": " .. tostring(why)) or ""))
  end
  return cond
end

--- show(v): a value as text, tables one level deep, keys sorted
function tap.show(v)
  if type(v) ~= "table" then return type(v) == "string" and string.format("%q", v) or tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. tap.show(v[k]) end
  return "{" .. table.concat(out, ", ") .. "}"
end

--- is(got, want, name): equal values (tables compared by tap.show)
function tap.is(got, want, name)
  local g, w = tap.show(got), tap.show(want)
  return tap.ok(g == w, name, "got " .. g .. ", expected " .. w)
end

--- done(): print the plan; true when all passed
function tap.done()
  print("1.." .. tap.n)
  return tap.failed == 0
end

return tap
