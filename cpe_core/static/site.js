/* cpe: the phone menu (folds behind its button) and the user menu (closes when the click is
   elsewhere, or on Escape). Without JavaScript both still work: the menu stays unfolded and the
   user menu is a plain <details>. */
(function () {
  "use strict";
  function setup() {
    var toggle = document.querySelector(".navtoggle");
    var header = document.querySelector(".masthead");
    if (toggle && header) {
      toggle.addEventListener("click", function () {
        var open = header.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    var menus = document.querySelectorAll("details.usermenu");
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      menus.forEach(function (menu) {
        if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
