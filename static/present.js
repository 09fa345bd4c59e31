// peergroups: presentation mode keeps the screen awake while the survey code is shown, where the
// browser offers the Screen Wake Lock API (it lets go by itself when the page is hidden, so it is
// asked for again on return). Without it, or without JavaScript, the page still works.
"use strict";
(function () {
  if (!("wakeLock" in navigator)) { return; }
  function keepAwake() {
    if (document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () { /* refused (battery saver): fine */ });
    }
  }
  document.addEventListener("visibilitychange", keepAwake);
  keepAwake();
})();
