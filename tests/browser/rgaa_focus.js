/* One focus stop, for the focus and hover checks. `step` is « tab » (just after Tab: mark the focused
   element, or say « same », « again » or « out »), « blur » or « hover » (measure the marked element
   again), « refocus ». Returns where the element is, what it is, and how many elements the page
   shows apart from it (content that appears on focus or hover changes that). */
(step) => {
  let el = document.querySelector("[data-rgaa-current]");
  if (step === "tab") {
    const e = document.activeElement;
    if (!e || e === document.body || e.id === "rgaa-start") { return "out"; }
    if (e === el) { return "same"; }  // inside the controls of an <audio>: still the same element
    if (e.hasAttribute("data-rgaa-seen")) { return "again"; }
    if (el) { el.removeAttribute("data-rgaa-current"); }
    e.setAttribute("data-rgaa-current", "");
    e.setAttribute("data-rgaa-seen", "");
    e.scrollIntoView({block: "center", inline: "nearest"});  // the whole ring on screen
    el = e;
  } else if (step === "blur") {
    el.blur();
  } else if (step === "refocus") {
    el.focus({preventScroll: true});
    return null;
  }
  const r = el.getBoundingClientRect();
  const shown = [...document.body.querySelectorAll("*")].filter((e) => {
    if (e === el || el.contains(e) || e.contains(el)) { return false; }
    const s = getComputedStyle(e);
    const b = e.getBoundingClientRect();
    return s.visibility !== "hidden" && s.display !== "none" && s.opacity !== "0" && b.width > 0 && b.height > 0;
  }).length;
  const label = (el.innerText || el.getAttribute("aria-label") || el.name || el.id || "").replace(/\s+/g, " ").trim().slice(0, 40);
  // The perimeter of the element's shape: a link that wraps has one box per line, and the edge two
  // lines share is inside the shape, not on its perimeter.
  const boxes = [...el.getClientRects()];
  let perimeter = boxes.reduce((sum, b) => sum + 2 * (b.width + b.height), 0);
  for (let i = 1; i < boxes.length; i++) {
    const a = boxes[i - 1], b = boxes[i];
    perimeter -= 2 * Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left));
  }
  return {tag: el.tagName.toLowerCase(), label, x: r.left, y: r.top, width: r.width, height: r.height, shown, perimeter,
          title: el.getAttribute("title"), order: [...document.querySelectorAll("*")].indexOf(el),
          chrome: !!el.closest("body > header, body > footer, .skip-link")};
}
