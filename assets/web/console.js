// Keyboard shortcuts for the moderation queue. Every key only moves focus or presses a button or
// field that is on the page anyway, so the console works the same without this script.
//   j / k  next / previous posting      a  approve the current posting
//   r      the current posting's reason x  tick or untick it
const postings = () => Array.from(document.querySelectorAll("article.posting"));
let current = -1;

function show(i) {
  const all = postings();
  if (all.length === 0) return;
  current = Math.max(0, Math.min(i, all.length - 1));
  all.forEach((p, n) => p.classList.toggle("current", n === current));
  all[current].focus({ preventScroll: true });
  all[current].scrollIntoView({ block: "nearest" });
}

function typing(el) {
  return el && (el.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));
}

document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
  const all = postings();
  if (all.length === 0) return;
  const here = all[current] || null;
  switch (ev.key) {
    case "j": show(current + 1); break;
    case "k": show(current < 0 ? 0 : current - 1); break;
    case "a": here?.querySelector("[data-key=approve]")?.click(); break;
    case "r": here?.querySelector("[data-key=reason]")?.focus(); break;
    case "x": {
      const box = here?.querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
      break;
    }
    default: return;
  }
  ev.preventDefault();
});

// A posting clicked into becomes the current one, so the keys act where the moderator looks.
document.addEventListener("focusin", (ev) => {
  const p = ev.target.closest?.("article.posting");
  if (!p) return;
  const i = postings().indexOf(p);
  if (i >= 0 && i !== current) {
    current = i;
    postings().forEach((q, n) => q.classList.toggle("current", n === current));
  }
});
