-- Pandoc Lua filter of toolkit/bulletin (pandoc.py) for both HTML and Typst output.
--
-- The document uses Quarto's syntax; this filter gives the toolkit's Pandoc route the same
-- result Quarto gives:
--
-- * Quarto-style callouts (::: {.callout-note} ... :::) become a styled
--   <div class="callout ..." role="note"> in HTML and a #callout(...) call
--   (defined in bulletin-typst.template) in Typst.  The callout title is the
--   first heading inside the div (Quarto convention), else the `title`
--   attribute, else the default label of the callout kind.
-- * A figure div (::: {#fig-id} ... :::, Quarto's cross-reference syntax) becomes a
--   Pandoc figure: its last paragraph is the caption, the rest its content.
-- * HTML only: table and figure captions are numbered in document order ("Table 1.",
--   "Figure 1."), as Quarto numbers tables with a #tbl- label and figures with a #fig-
--   label; the words are the document's crossref.tbl-title and fig-title (default "Table",
--   "Figure"; "표", "그림" in the Korean edition) and the delimiter after the number its
--   crossref.title-delim (default "."). Typst numbers its figures itself (bulletin-typst.template).
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

local function figure_div(el)
  local content = pandoc.List(el.content)
  local last = content[#content]
  if #content < 2 or last.t ~= "Para" then return nil end
  content:remove(#content)
  return pandoc.Figure(content, { pandoc.Plain(last.content) }, el.attr)
end

local function Div(el)
  if el.identifier:match("^fig%-") then return figure_div(el) end
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

local function number_captions(doc)
  if not is_html() then return nil end
  local delim = "."
  -- the words before the numbers: Quarto's crossref.tbl-title and fig-title ("표", "그림")
  local titles = { Table = "Table", Figure = "Figure" }
  local crossref = doc.meta["crossref"]
  if type(crossref) == "table" then
    if crossref["title-delim"] ~= nil then
      delim = pandoc.utils.stringify(crossref["title-delim"])
    end
    if crossref["tbl-title"] ~= nil then
      titles.Table = pandoc.utils.stringify(crossref["tbl-title"])
    end
    if crossref["fig-title"] ~= nil then
      titles.Figure = pandoc.utils.stringify(crossref["fig-title"])
    end
  end
  local counts = { Table = 0, Figure = 0 }
  local function label(kind)
    counts[kind] = counts[kind] + 1
    return pandoc.Span({ pandoc.Str(titles[kind] .. "\u{a0}" .. counts[kind] .. delim) },
      pandoc.Attr("", { "caption-label" }))
  end
  local function prefix(caption, kind)
    local blocks = caption.long
    local head = label(kind)
    if #blocks == 0 then
      caption.long = { pandoc.Plain({ head }) }
    else
      local first = blocks[1]
      local inlines = pandoc.Inlines({ head, pandoc.Space() })
      inlines:extend(first.content)
      first.content = inlines
      caption.long = blocks
    end
    return caption
  end
  return doc:walk({
    traverse = "topdown",
    Table = function(el)
      el.caption = prefix(el.caption, "Table")
      return el
    end,
    Figure = function(el)
      el.caption = prefix(el.caption, "Figure")
      return el
    end,
  })
end

local function Table(el)
  if not is_html() then return nil end
  local label = pandoc.utils.stringify(el.caption.long)
  if label == "" then label = "Table" end
  return pandoc.Div({ el }, pandoc.Attr("", { "table-wrap" }, {
    { "role", "region" }, { "tabindex", "0" }, { "aria-label", label },
  }))
end

-- PDF: a relative link (data/x.csv) made absolute from bt-link-base, the release's public
-- address, so the links of a downloaded PDF still work; anchors (#...) and addresses with a
-- scheme are kept.
local function absolute_links(doc)
  if not is_typst() or doc.meta["bt-link-base"] == nil then return nil end
  local base = pandoc.utils.stringify(doc.meta["bt-link-base"])
  if base == "" then return nil end
  return doc:walk({
    Link = function(el)
      local t = el.target
      if t == "" or t:sub(1, 1) == "#" or t:match("^[%a][%w+.-]*:") then return nil end
      el.target = base .. t:gsub("^%./", "")
      return el
    end,
  })
end

-- in this order: figures exist before captions are numbered, captions before tables are wrapped
return {
  { Div = Div },
  { Pandoc = number_captions },
  { Table = Table },
  { Pandoc = absolute_links },
}
