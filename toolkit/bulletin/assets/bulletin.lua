-- Pandoc Lua filter of toolkit/bulletin (pandoc.py) for both HTML and Typst output.
--
-- * Quarto-style callouts (::: {.callout-note} ... :::) become a styled
--   <div class="callout ..." role="note"> in HTML and a #callout(...) call
--   (defined in bulletin-typst.template) in Typst.  The callout title is the
--   first heading inside the div (Quarto convention), else the `title`
--   attribute, else the default label of the callout kind.
-- * HTML tables are wrapped in a keyboard-scrollable region so wide tables
--   scroll horizontally on small screens instead of overflowing the page.

local KINDS = {
  note = "Note", tip = "Tip", warning = "Warning",
  important = "Important", caution = "Caution",
}

local function is_typst() return FORMAT:match("typst") ~= nil end
local function is_html() return FORMAT:match("html") ~= nil end

local function callout_kind(el)
  for _, cls in ipairs(el.classes) do
    local k = cls:match("^callout%-(%a+)$")
    if k and KINDS[k] then return k end
  end
  return nil
end

local function typst_inlines(inlines)
  local out = pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst")
  return (out:gsub("%s+$", ""))
end

function Div(el)
  local kind = callout_kind(el)
  if not kind then return nil end

  local content = pandoc.List(el.content)
  local title
  if #content > 0 and content[1].t == "Header" then
    title = content[1].content
    content:remove(1)
  elseif el.attributes["title"] and el.attributes["title"] ~= "" then
    local doc = pandoc.read(el.attributes["title"], "markdown")
    title = (doc.blocks[1] and doc.blocks[1].content) or pandoc.Inlines(KINDS[kind])
  else
    title = pandoc.Inlines(KINDS[kind])
  end

  if is_typst() then
    local label = ""
    if el.identifier ~= "" then label = " <" .. el.identifier .. ">" end
    local blocks = pandoc.List({
      pandoc.RawBlock("typst", '#callout(kind: "' .. kind .. '", title: [' .. typst_inlines(title) .. '])['),
    })
    blocks:extend(content)
    blocks:insert(pandoc.RawBlock("typst", "]" .. label))
    return blocks
  elseif is_html() then
    local head = pandoc.Div({ pandoc.Plain({ pandoc.Strong(title) }) }, { class = "callout-title" })
    local body = pandoc.Div(content, { class = "callout-body" })
    -- attributes as an ordered list: Lua tables iterate in random order,
    -- which would make the HTML output non-deterministic
    return pandoc.Div({ head, body },
      pandoc.Attr(el.identifier, { "callout", "callout-" .. kind }, { { "role", "note" } }))
  end
  return nil
end

function Table(el)
  if not is_html() then return nil end
  local label = pandoc.utils.stringify(el.caption.long)
  if label == "" then label = "Table" end
  return pandoc.Div({ el }, pandoc.Attr("", { "table-wrap" }, {
    { "role", "region" }, { "tabindex", "0" }, { "aria-label", label },
  }))
end
