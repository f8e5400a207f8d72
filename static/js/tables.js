// Tables wider than the screen scroll sideways inside their own box (.table-wrap, WCAG 1.4.10).
// A keyboard user can scroll such a box only if it can take focus (WCAG 2.1.1), so a box that
// does scroll becomes a named, focusable region; one that fits stays out of the tab order.
// Checked again when the window is resized and after HTMX swaps in new content.
// The region's name is the page's language: base.html writes both wordings on the script tag
// ({% translate %}), so this file holds no words of its own.
(function () {
  "use strict";
  var words = document.currentScript ? document.currentScript.dataset : {};

  function label(wrap) {
    var caption = wrap.querySelector("caption");
    var heading = caption ? caption.textContent.trim() : "";
    return heading ? (words.captioned || "").replace("{caption}", heading) : words.uncaptioned || "";
  }

  function update() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap));
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("resize", update);
  document.addEventListener("htmx:afterSettle", update);
})();
