// The employer's forms (posting a shift, the profile): "use my location" fills the form's
// latitude and longitude in place and does not send the form (app.js's data-locate, for searches,
// sends it). Without this file the two inputs are typed by hand or keep the profile's point.
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  function say(el, zhText, enText) { if (el) { el.textContent = zh ? zhText : enText; } }
  Array.prototype.forEach.call(document.querySelectorAll("[data-fill-location]"), function (btn) {
    var form = document.getElementById(btn.getAttribute("data-fill-location"));
    var status = document.getElementById("location-status");
    if (!form || !("geolocation" in navigator)) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      say(status, "正在获取位置……", "Finding your location…");
      navigator.geolocation.getCurrentPosition(function (p) {
        form.querySelector("[name=lat]").value = p.coords.latitude.toFixed(5);
        form.querySelector("[name=lng]").value = p.coords.longitude.toFixed(5);
        say(status, "已填入你现在的位置。", "Your current location is filled in.");
        // Tell the live check (htmx listens for input on the form) that the point changed.
        form.querySelector("[name=lat]").dispatchEvent(new Event("input", { bubbles: true }));
      }, function (e) {
        say(status, e && e.code === 1 ? "没有得到位置权限，请手动填写经纬度。" : "现在无法定位，请手动填写经纬度。",
          e && e.code === 1 ? "Location was not allowed; type the coordinates." : "Your location cannot be found now; type the coordinates.");
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  });
})();
