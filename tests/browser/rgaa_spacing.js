/* Apply a user style (WCAG 1.4.12's text spacing for RGAA 10.12, text at 200 % for RGAA 10.4), then
   list text that is cut (inside a box that hides its overflow) or that overlaps other text. */
(css) => {
  const style = document.createElement("style");
  style.id = "rgaa-user-style";
  style.textContent = css;
  document.head.appendChild(style);
  const problems = [];
  const shown = (el) => {
    const s = getComputedStyle(el);
    return s.visibility !== "hidden" && s.display !== "none";
  };
  const isSrOnly = (el) => !!el.closest(".sr-only, .skip-link, [hidden]");
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");

  // Cut: an element that clips its overflow and whose content is bigger than its box.
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || isSrOnly(el) || ["INPUT", "SELECT", "TEXTAREA", "AUDIO", "IMG"].includes(el.tagName)) { continue; }
    const s = getComputedStyle(el);
    const clipsX = ["hidden", "clip"].includes(s.overflowX);
    const clipsY = ["hidden", "clip"].includes(s.overflowY);
    if ((clipsX && el.scrollWidth > el.clientWidth + 1) || (clipsY && el.scrollHeight > el.clientHeight + 1)) {
      if ((el.innerText || "").trim()) { problems.push("cut: " + name(el)); }
    }
  }
  // Overlap: line boxes of different text nodes that intersect.
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || !shown(node.parentElement) || isSrOnly(node.parentElement)) { continue; }
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 1 && r.height > 1) { boxes.push({r, node, owner: name(node.parentElement), text: node.textContent.trim().slice(0, 30)}); }
    }
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      if (boxes[i].node === boxes[j].node) { continue; }
      const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (dx > 2 && dy > 2) {
        problems.push(`overlap: « ${boxes[i].text} » (${boxes[i].owner}) and « ${boxes[j].text} » (${boxes[j].owner})`);
      }
    }
  }
  style.remove();
  return problems;
}
