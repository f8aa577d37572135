-- api_doc_spec.lua: docs/lua-api.md and the bindings must name the same API.
-- Fails when a binding exists in the C core (or the Lua library) without an
-- entry in the reference, or an entry names something that does not exist.

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local doc = read("docs/lua-api.md")

-- set: the keys of a list
local function set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

-- headings: names in "#### `PREFIXname" headings
local function headings(prefix)
  local out = {}
  local pat = "\n#### `" .. prefix:gsub("%p", "%%%0") .. "([%w_]+)"
  for name in doc:gmatch(pat) do out[#out + 1] = name end
  return out
end

-- luaL_Reg entries of a named table in a C file
local function reg_names(path, tname)
  local src = read(path)
  local body = src:match(tname .. "%[%]%s*=%s*(%b{})")
  assert(body, tname .. " not found in " .. path)
  local out = {}
  for name in body:gmatch('{%s*"([%w_]+)"%s*,') do out[#out + 1] = name end
  return out
end

local function same(code, documented, what)
  local c, d = set(code), set(documented)
  local missing, extra = {}, {}
  for k in pairs(c) do if not d[k] then missing[#missing + 1] = k end end
  for k in pairs(d) do if not c[k] then extra[#extra + 1] = k end end
  table.sort(missing)
  table.sort(extra)
  assert(#missing == 0, what .. " without an entry in docs/lua-api.md: "
    .. table.concat(missing, ", "))
  assert(#extra == 0, "docs/lua-api.md documents " .. what .. " that do not exist: "
    .. table.concat(extra, ", "))
end

describe("docs/lua-api.md", function()
  it("documents every action method (src/lua/actions.c and the modules'), and no other", function()
    local names = reg_names("src/lua/actions.c", "action_funcs")
    for _, m in ipairs(reg_names("src/modules/metrics_module.c", "metrics_actions")) do
      names[#names + 1] = m
    end
    same(names, headings("self:"), "action methods")
  end)

  it("documents every callback of src/milter/stage.c, and no other", function()
    local src = read("src/milter/stage.c")
    local cbs = {}
    for name in src:gmatch('%[ST_[%u_]+%]%s*=%s*{"([%w_]+)"') do
      cbs[#cbs + 1] = name
    end
    assert(#cbs > 10, "stage table not parsed")
    local documented = {}
    for name in doc:gmatch("\n#### `([%l_]+)%(") do documented[#documented + 1] = name end
    same(cbs, documented, "callbacks")
  end)

  it("documents every status and base class of lua/milter.lua", function()
    package.path = "lua/?.lua;" .. package.path
    local milter = dofile("lua/milter.lua")
    for k, v in pairs(dofile("lua/milter/flags.lua")) do milter[k] = v end
    local code = {}
    for k, v in pairs(milter) do
      if type(v) == "table" or (type(v) == "number" and k:match("^%u+$")
          and not k:match("^[MP]_") and v <= 10 and not doc:find("`" .. k .. "`", 1, true)) then
        code[#code + 1] = k
      end
    end
    local documented = {}
    for _, h in ipairs(headings("milter.")) do
      if milter[h] ~= nil then documented[#documented + 1] = h
      else documented[#documented + 1] = h end
    end
    -- every table and status needs a heading; flags need a mention
    local c = set(code)
    for k, v in pairs(milter) do
      if type(v) == "number" then
        assert(doc:find(k, 1, true), "constant milter." .. k .. " not documented")
      end
    end
    local hs = set(documented)
    for k in pairs(c) do assert(hs[k], "milter." .. k .. " has no heading") end
    for k in pairs(hs) do
      assert(milter[k] ~= nil, "docs/lua-api.md documents milter." .. k .. " which does not exist")
    end
  end)

  it("documents the milter.core context methods", function()
    local methods = reg_names("src/offline/lcore.c", "ctx_methods")
    local funcs = reg_names("src/offline/lcore.c", "core_funcs")
    for _, m in ipairs(methods) do
      assert(doc:find("`t:" .. m .. "(", 1, true) or doc:find("plus `" .. m .. "`", 1, true)
        or doc:find("`" .. m .. "`", 1, true),
        "milter.core method " .. m .. " not documented")
    end
    for _, f in ipairs(funcs) do
      assert(doc:find("core." .. f .. "(", 1, true), "milter.core." .. f .. " not documented")
    end
  end)

  it("documents every function of milter.dns, and no other", function()
    local funcs = reg_names("src/modules/dns_api.c", "dns_api_funcs")
    for _, f in ipairs(reg_names("src/modules/dns_lists.c", "dns_list_funcs")) do
      funcs[#funcs + 1] = f
    end
    same(funcs, headings("dns."), "milter.dns functions")
    assert(doc:find("\n#### `h:wait()`", 1, true), "h:wait has no heading")
  end)

  it("documents every method of milter.tables, and no other", function()
    same(reg_names("src/modules/tables_lua.c", "table_methods"),
      headings("tables.NAME:"), "milter.tables methods")
  end)

  it("documents every function of milter.test, and no other", function()
    local src = read("lua/milter/test.lua")
    local mod, ctx = {}, {}
    for name in src:gmatch("\nfunction M%.([%w_]+)") do mod[#mod + 1] = name end
    for name in src:gmatch("\nfunction Context:([%a][%w_]*)") do ctx[#ctx + 1] = name end
    local stages = src:match("for _, stage in ipairs(%b())")
    for name in stages:gmatch('"([%w_]+)"') do ctx[#ctx + 1] = name end
    same(mod, headings("mt."), "milter.test functions")
    same(ctx, headings("t:"), "milter.test context methods")
  end)
end)
