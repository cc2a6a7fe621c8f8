/* What the RGAA checks read in one state of one page (tests/browser/test_rgaa_checks.py).
   Returns plain data; the Python side decides what passes. */
() => {
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility !== "hidden" && s.display !== "none" && r.width > 0 && r.height > 0;
  };
  const text = (el) => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim();
  const byIds = (ids) => (ids || "").split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean);

  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6, [role=heading]")]
    .map((h) => ({level: Number(h.getAttribute("aria-level") || h.tagName.slice(1)), text: text(h),
                  hidden: !!h.closest("[hidden], [aria-hidden=true]")}))
    .filter((h) => !h.hidden);

  const fields = [...document.querySelectorAll("input, select, textarea")]
    .filter((f) => !["hidden", "submit", "button", "reset", "image"].includes(f.type))
    .map((f) => ({
      id: f.id, name: f.name, type: f.type, tag: f.tagName.toLowerCase(),
      autocomplete: f.getAttribute("autocomplete"),
      labels: [...(f.labels || [])].map((l) => ({text: text(l), visible: visible(l)})),
      required: f.required || f.getAttribute("aria-required") === "true",
      star: [...(f.labels || [])].some((l) => !!l.querySelector(".req")),
      describedby: byIds(f.getAttribute("aria-describedby")).map(text),
      invalid: f.getAttribute("aria-invalid") === "true",
      visible: visible(f),
    }));

  const live = (el) => !!el.closest("[role=status], [role=alert], [aria-live=polite], [aria-live=assertive]");
  // A success box opens a new step or page (the focus goes to its heading, its title is announced):
  // it is no status message. Notices and error summaries are.
  const notices = [...document.querySelectorAll(".notice, [data-error-summary]")]
    .filter(visible).map((n) => ({text: text(n).slice(0, 80), live: live(n)}));

  const langs = [...document.querySelectorAll("[lang]")].map((el) => el.getAttribute("lang"));
  // Text not under an element with a lang of its own other than the page's: what a reader speaks in French.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const french = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const owner = node.parentElement.closest("[lang]");
    if (owner === document.documentElement && node.parentElement.closest("script, style") === null) {
      french.push(node.textContent);
    }
  }

  const header = document.querySelector("body > header");
  const footer = document.querySelector("body > footer");
  const links = (root) => root ? [...root.querySelectorAll("a")].map((a) => [text(a), a.getAttribute("href")]) : null;
  const main = document.querySelector("main");
  const navs = [...document.querySelectorAll("nav")].map((n) => n.getAttribute("aria-label"));

  const count = (selector) => document.querySelectorAll(selector).length;
  // What RGAA criteria apply to: the grid says NA where the page holds none (checked against this).
  const inventory = {
    frame: count("iframe, frame"), video: count("video"), audio: count("audio"), object: count("object, embed"),
    canvas: count("canvas"), svg: count("svg"), img: count("img, [role=img], input[type=image], area"),
    table: count("table"), complexTable: count("table [headers], table th[colspan], table th[rowspan]"),
    layoutTable: count("table[role=presentation], table[role=none]"),
    captionedTable: [...document.querySelectorAll("table")].filter((t) => t.caption && t.querySelector("th")).length,
    quote: count("blockquote, q"), dir: count("[dir]"), blinking: count("marquee, blink"),
    animations: document.getAnimations ? document.getAnimations().length : 0,
    fieldset: count("fieldset"), select: count("select"), optgroup: count("optgroup"),
    field: fields.filter((f) => f.visible).length, button: count("button:not([hidden]), input[type=submit]"),
    pdf: count("a[href$='.pdf']"), captcha: count("[data-captcha]"),
  };
  // RGAA 10.3: nothing is put elsewhere on screen than in the source order (reading without styles).
  const moved = [...document.body.querySelectorAll("*")].filter((e) => {
    if (e.closest(".sr-only, .skip-link, [hidden]")) { return false; }
    const st = getComputedStyle(e);
    return (st.order && st.order !== "0") || /reverse/.test(st.flexDirection) || /reverse/.test(st.flexWrap) ||
      ((st.position === "absolute" || st.position === "fixed") && e.getClientRects().length);
  }).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""));
  // RGAA 10.2: every word shown with the styles is still there without them.
  const words = () => new Set((document.body.innerText || "").split(/\s+/).filter(Boolean));
  const styled = words();
  const sheets = [...document.styleSheets];
  sheets.forEach((sh) => { sh.disabled = true; });
  const bare = words();
  sheets.forEach((sh) => { sh.disabled = false; });
  const lostWithoutStyles = [...styled].filter((w) => !bare.has(w));

  return {
    inventory, moved, lostWithoutStyles,
    url: location.pathname,
    title: document.title,
    lang: document.documentElement.lang,
    langs,
    frenchText: french.join(" ").replace(/\s+/g, " "),
    headings,
    fields,
    notices,
    header: header ? {role: header.getAttribute("role") || "banner", links: links(header)} : null,
    footer: footer ? {links: links(footer)} : null,
    mainId: main ? main.id : null,
    mains: document.querySelectorAll("main, [role=main]").length,
    navs,
    firstLink: (() => { const a = document.querySelector("body a"); return a ? [text(a), a.getAttribute("href")] : null; })(),
    announcer: (() => { const a = document.getElementById("annonce"); return a ? [a.getAttribute("role"), a.getAttribute("aria-live")] : null; })(),
    metaRefresh: document.querySelectorAll("meta[http-equiv=refresh i]").length,
    newWindows: [...document.querySelectorAll("a[target], form[target]")].filter((a) => a.target !== "_self").length,
    positiveTabindex: [...document.querySelectorAll("[tabindex]")].filter((e) => Number(e.getAttribute("tabindex")) > 0).length,
    accesskeys: document.querySelectorAll("[accesskey]").length,
    scrollWidth: document.documentElement.scrollWidth,
  };
}
