// lingong pages work without this file. It adds what HTML cannot do: the browser's location for
// the home page's search and for check-in, and nothing else. No inline handlers (the CSP forbids
// them); elements opt in with data attributes.
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  function say(el, zhText, enText) { if (el) { el.textContent = zh ? zhText : enText; } }
  function locate(onPoint, onFail) {
    if (!("geolocation" in navigator)) { onFail("unsupported"); return; }
    navigator.geolocation.getCurrentPosition(
      function (p) { onPoint(p.coords.latitude, p.coords.longitude); },
      function (e) { onFail(e && e.code === 1 ? "denied" : "unavailable"); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  function setPoint(form, lat, lng) {
    var la = form.querySelector("[name=lat]"), ln = form.querySelector("[name=lng]");
    if (la) { la.value = lat.toFixed(5); }
    if (ln) { ln.value = lng.toFixed(5); }
  }
  // "Use my location" buttons: fill the form's lat/lng and send it.
  Array.prototype.forEach.call(document.querySelectorAll("[data-locate]"), function (btn) {
    var form = document.getElementById(btn.getAttribute("data-locate"));
    var status = document.getElementById("location-status");
    btn.hidden = false;
    btn.addEventListener("click", function () {
      say(status, "正在获取位置……", "Finding your location…");
      locate(function (lat, lng) {
        setPoint(form, lat, lng);
        var d = form.querySelector("[name=district]");
        if (d) { d.value = ""; }
        form.submit();
      }, function (why) {
        if (why === "denied") {
          say(status, "没有得到位置权限。请在上面输入区名（如 朝阳），或在浏览器设置里允许定位。", "Location was not allowed. Type a district above (e.g. 朝阳), or allow location in the browser settings.");
        } else {
          say(status, "现在无法定位。请在上面输入区名。", "Your location cannot be found now. Type a district above.");
        }
      });
    });
  });
  // On the home page with no place chosen yet, use the location at once when the browser already
  // allows it (no prompt): the list is then "near me" from the first view.
  var auto = document.querySelector("[data-locate][data-auto]");
  if (auto && navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (p) {
      if (p.state === "granted") { auto.click(); }
    }).catch(function () {});
  }
  // Forms that send the location with them (check-in, check-out): ask for it first; without it
  // the form still goes, and the server records the check-in as without location.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-geo]"), function (form) {
    var status = form.querySelector("[data-geo-status]");
    var sent = false;
    form.addEventListener("submit", function (ev) {
      if (sent) { return; }
      ev.preventDefault();
      say(status, "正在获取位置……", "Finding your location…");
      var go = function () { sent = true; form.submit(); };
      locate(function (lat, lng) { setPoint(form, lat, lng); go(); }, function (why) {
        say(status, why === "denied" ? "没有位置权限，将不带位置签到，需雇主确认。" : "无法定位，将不带位置签到，需雇主确认。",
          why === "denied" ? "Location not allowed: checking in without it, for the employer to confirm." : "No location: checking in without it, for the employer to confirm.");
        setTimeout(go, 1200);
      });
    });
  });
  // Print buttons (a desk slip): hidden without script, where the browser's own print is there.
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
})();
