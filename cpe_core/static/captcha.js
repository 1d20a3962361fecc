// 换一张: load a new captcha image. Each load is a new challenge on the server (the one shown
// before is spent), so only the latest image can be answered. A static file, not an inline
// handler: the Content-Security-Policy allows scripts from the site only.
document.addEventListener("click", function (event) {
  var trigger = event.target.closest("[data-captcha-refresh]");
  if (!trigger) return;
  event.preventDefault();
  var image = document.getElementById(trigger.getAttribute("data-captcha-refresh"));
  if (!image) return;
  image.src = image.src.split("?")[0] + "?" + Date.now();
  var form = image.closest("form");
  var field = form && form.querySelector("input[name=captcha]");
  if (field) { field.value = ""; field.focus(); }
});
