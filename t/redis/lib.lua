-- t/redis/lib.lua - helpers for the t/redis tests (dofile'd by each).
local lib = {}

-- same - deep equality of two values
function lib.same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not lib.same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- show - a value as text, tables sorted
function lib.show(v)
  if type(v) ~= "table" then return string.format("%q", v) end
  local t = {}
  for k, x in pairs(v) do t[#t + 1] = tostring(k) .. "=" .. lib.show(x) end
  table.sort(t)
  return "{" .. table.concat(t, ",") .. "}"
end

-- expect - the values after want equal the list want
function lib.expect(want, ...)
  local got = table.pack(...)
  got.n = nil
  if not lib.same(want, got) then
    error("want " .. lib.show(want) .. ", got " .. lib.show(got), 2)
  end
end

-- fails - f(...) raises an error containing needle
function lib.fails(needle, f, ...)
  local ok, err = pcall(f, ...)
  if ok then error("no error, wanted " .. needle, 2) end
  if not tostring(err):find(needle, 1, true) then
    error("error " .. tostring(err) .. " lacks " .. needle, 2)
  end
end

-- starts - v, err is nil and an error starting with prefix
function lib.starts(prefix, v, err)
  if v ~= nil or type(err) ~= "string" or err:sub(1, #prefix) ~= prefix then
    error("want nil, " .. prefix .. "..., got " .. lib.show(v) .. ", "
          .. lib.show(err), 2)
  end
  return err
end

-- ctl - run t/redis/server on one of the servers
function lib.ctl(what, name)
  local ok = os.execute(os.getenv("REDIS_CTL") .. " " .. what .. " " .. name)
  if not ok then error("t/redis/server " .. what .. " " .. name .. " failed", 2) end
end

-- info - one field of INFO from a server (admin connection)
function lib.info(url, section, field)
  local text = assert(rtest.admin(url, "INFO", section))
  return text:match(field .. ":([^\r\n]*)")
end

-- cmdstat - how many times the server ran cmd (INFO commandstats)
function lib.cmdstat(url, cmd)
  local text = assert(rtest.admin(url, "INFO", "commandstats"))
  return tonumber(text:match("cmdstat_" .. cmd .. ":calls=(%d+)")) or 0
end

return lib
