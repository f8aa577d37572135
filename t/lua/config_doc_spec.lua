-- config_doc_spec.lua: every configuration key the daemon knows (its one
-- key table, as `luamilter --print-config` prints it) is documented in
-- milter.conf.example and in luamilter.conf(5), and those name no key the
-- daemon does not know.

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local luamilter = os.getenv("LUAMILTER") or "./luamilter"

-- keys_of_daemon: the key names --print-config lists, in order
local function keys_of_daemon()
  local p = assert(io.popen(luamilter .. " -c milter.conf.example --print-config"))
  local out = p:read("a")
  local ok = p:close()
  assert(ok, "luamilter --print-config failed:\n" .. out)
  local keys, seen = {}, {}
  for line in out:gmatch("[^\n]+") do
    local k = line:match("^([%a_][%w_]*) = ") or line:match("^# ([%a_][%w_]*) %(")
    if k and not seen[k] then seen[k] = true; keys[#keys + 1] = k end
  end
  return keys, seen
end

describe("the configuration keys", function()
  local keys, known = keys_of_daemon()
  local example = read("milter.conf.example")
  local man = read("doc/man/luamilter.conf.5")

  it("are listed by --print-config", function()
    assert.is_true(#keys >= 20, "only " .. #keys .. " keys printed")
    assert.is_true(known.socket and known.callback_timeout and known.allow_root)
  end)

  it("are each in milter.conf.example (set or commented out)", function()
    for _, k in ipairs(keys) do
      assert.is_truthy(("\n" .. example):find("\n#? ?" .. k .. " =", 1),
        "milter.conf.example does not show " .. k)
    end
  end)

  it("are each described in luamilter.conf(5)", function()
    for _, k in ipairs(keys) do
      assert.is_truthy(man:find('\n%.BI? "?' .. k .. ' = ', 1),
        "luamilter.conf(5) has no entry for " .. k)
    end
  end)

  it("and no other key is documented", function()
    for k in ("\n" .. example):gmatch("\n#? ?([%a_][%w_]*) = ") do
      assert.is_true(known[k] == true, "milter.conf.example shows unknown key " .. k)
    end
    for k in man:gmatch('\n%.BI? "?([%a_][%w_]*) = ') do
      assert.is_true(known[k] == true, "luamilter.conf(5) describes unknown key " .. k)
    end
  end)

  it("print values the parser reads back", function()
    local p = assert(io.popen(luamilter .. " -c milter.conf.example --print-config"))
    local out = p:read("a")
    p:close()
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "w"))
    f:write(out)
    f:close()
    local q = assert(io.popen(luamilter .. " -c " .. tmp .. " --print-config"))
    local again = q:read("a")
    q:close()
    os.remove(tmp)
    -- the same keys and values (the header line names the file)
    assert.are.equal(out:gsub("^[^\n]*\n", ""), (again:gsub("^[^\n]*\n", "")))
  end)
end)
