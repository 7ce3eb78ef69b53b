/* The patient portal's only script (CSP: script-src 'self'; no inline code).
 * Idle log-off: the server ends the session after <meta name="bonta-idle-seconds"> without a
 * request; this sends the page to the portal sign-in at the same moment, so a diary does not
 * stay open on an unattended phone. The pages work without it.
 */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="bonta-idle-seconds"]');
  var idleMs = meta ? parseInt(meta.content, 10) * 1000 : 0;
  if (!idleMs) return;
  window.setTimeout(function () {
    window.location.assign("/portal/login/?idle=1");
  }, idleMs + 1000);
})();
