/* Behaviour that htmx attributes cannot carry under our CSP (no inline script, no eval).
   Everything here is an enhancement: the pages work without it. */
(function () {
  "use strict";

  var LABELS = ["trop faible", "faible", "moyenne", "bonne", "excellente"];

  /* Same scale as espace/domain/credentials.py: password_strength() (tests/browser/test_forms.py
     runs the same examples through both). The limits come from the page (data-password-min/max),
     which has them from the domain. */
  function strength(pw, min, max) {
    if (pw.length < min || pw.length > max || /[^\x21-\x7e]/.test(pw) || !/[A-Za-z]/.test(pw) || !/\d/.test(pw)) {
      return 0;
    }
    var classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter(function (r) { return r.test(pw); }).length;
    return Math.min(4, 1 + (classes >= 3 ? 1 : 0) + (pw.length >= 24 ? 1 : 0) + (pw.length >= 30 && classes === 4 ? 1 : 0));
  }

  function setupStrength(root) {
    root.querySelectorAll("[data-strength-meter]").forEach(function (input) {
      if (input.dataset.strengthReady) { return; }
      input.dataset.strengthReady = "1";
      var meter = document.getElementById(input.dataset.strengthMeter);
      var live = document.getElementById(input.dataset.strengthMeter + "-live");
      var timer = null;
      input.addEventListener("input", function () {
        var score = input.value ? strength(input.value, Number(input.dataset.passwordMin), Number(input.dataset.passwordMax)) : 0;
        var text = input.value ? LABELS[score] : "non évaluée";
        meter.dataset.strength = String(score);
        meter.querySelector("[data-strength-text]").textContent = text;
        clearTimeout(timer);
        /* Announce once typing pauses, not at each key. */
        timer = setTimeout(function () { if (live) { live.textContent = "Sécurité du mot de passe : " + text; } }, 800);
      });
    });
  }

  function setupPasswordToggles(root) {
    root.querySelectorAll("[data-toggle-password]").forEach(function (button) {
      if (button.dataset.ready) { return; }
      button.dataset.ready = "1";
      button.hidden = false;
      var input = document.getElementById(button.dataset.togglePassword);
      var name = input.labels[0] ? input.labels[0].firstChild.textContent.trim() : "";
      /* The label says what a press will do (no aria-pressed as well: that would say it twice). */
      button.addEventListener("click", function () {
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.firstChild.textContent = show ? "Masquer" : "Afficher";
        announce("Le champ « " + name + " » est " + (show ? "affiché en clair." : "masqué."));
      });
    });
  }

  /* « Ecouter l'extrait sonore » plays the <audio> of the captcha in the page; without
     JavaScript the link opens the sound itself, which the browser plays. */
  function setupAudioLinks(root) {
    root.querySelectorAll("[data-play-audio]").forEach(function (link) {
      if (link.dataset.ready) { return; }
      link.dataset.ready = "1";
      link.addEventListener("click", function (event) {
        var audio = document.getElementById(link.dataset.playAudio);
        if (!audio || !audio.play) { return; }
        event.preventDefault();
        audio.currentTime = 0;
        var playing = audio.play();
        if (playing && playing.catch) { playing.catch(function () { window.location.href = link.href; }); }
      });
    });
  }

  /* WCAG 2.2.1: warn before the signed-in session ends. The figures come from the page
     (#session-timer, from espace/domain/security.py); before warning, ask the server how long is
     left (another tab may have kept the session alive). Before an idle end, offer « Prolonger ma
     session »; before the overall limit, which nothing pushes back (capped), say so instead. */
  function setupSessionTimer() {
    var box = document.getElementById("session-timer");
    if (!box || box.dataset.ready) { return; }
    box.dataset.ready = "1";
    var dialog = document.getElementById("session-warning");
    var form = dialog.querySelector("[data-session-extend]");
    var idlePart = dialog.querySelector("[data-session-warning]");
    var capPart = dialog.querySelector("[data-session-cap]");
    var warnMs = Number(box.dataset.sessionWarn) * 1000;
    var capped = box.dataset.sessionCapped === "true";
    var timer = null;
    var before = null;

    function schedule(seconds) {
      clearTimeout(timer);
      timer = setTimeout(check, Math.max(0, seconds * 1000 - warnMs));
    }

    function check() {
      fetch(box.dataset.sessionStateUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          capped = Boolean(data.capped);
          if (data.remaining * 1000 > warnMs + 1000) { schedule(data.remaining); } else { warn(data.remaining); }
        })
        .catch(function () { warn(warnMs / 1000); });
    }

    function describe(part, name) {
      dialog.setAttribute("aria-labelledby", "session-" + name + "-title");
      var text = document.getElementById("session-" + name + "-text");
      if (text) { dialog.setAttribute("aria-describedby", text.id); } else { dialog.removeAttribute("aria-describedby"); }
      [idlePart, capPart, dialog.querySelector("[data-session-ended]")].forEach(function (each) {
        each.hidden = each !== part;
      });
    }

    function warn(seconds) {
      if (seconds <= 0) { ended(); return; }
      var end = new Date(Date.now() + seconds * 1000);
      var time = end.toLocaleTimeString("fr-FR", {timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit"});
      dialog.querySelectorAll("[data-session-end-time]").forEach(function (span) {
        span.textContent = ", à " + time.replace(":", "h") + " (heure de Paris)";
      });
      var part = capped ? capPart : idlePart;
      describe(part, capped ? "cap" : "warning");
      if (!dialog.open) {
        before = document.activeElement;
        dialog.showModal();
      }
      part.querySelector("button").focus();
      clearTimeout(timer);
      timer = setTimeout(ended, seconds * 1000);
    }

    function ended() {
      clearTimeout(timer);
      var done = dialog.querySelector("[data-session-ended]");
      describe(done, "ended");
      done.querySelector("[data-session-ended-idle]").hidden = capped;
      done.querySelector("[data-session-ended-cap]").hidden = !capped;
      if (!dialog.open) { dialog.showModal(); }
      done.querySelector("h2").focus();
    }

    function closeWarning() {
      dialog.close();
      if (before && before.focus) { before.focus(); }
    }

    capPart.querySelector("[data-session-understood]").addEventListener("click", closeWarning);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error("ended"); }
          return response.json();
        })
        .then(function (data) {
          capped = Boolean(data.capped);
          if (capped && data.remaining * 1000 <= warnMs + 1000) { warn(data.remaining); return; }
          closeWarning();
          announce("Votre session a été prolongée.");
          schedule(data.remaining);
        })
        .catch(ended);
    });
    schedule(Number(box.dataset.sessionRemaining));
  }

  function enhance(root) {
    setupStrength(root);
    setupPasswordToggles(root);
    setupAudioLinks(root);
  }

  /* Say something in the live region that is in the page from the start (screen readers
     ignore regions inserted along with their text). */
  function announce(text) {
    var announcer = document.getElementById("annonce");
    if (!announcer) { return; }
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  /* After htmx replaced a step: focus the error summary, or the new step's heading,
     and say the new title. */
  function focusAfterSwap(target) {
    var summary = target.querySelector("[data-error-summary]");
    var heading = target.querySelector("#step-heading");
    var focusTarget = summary || heading;
    if (focusTarget) { focusTarget.focus(); }
    if (!summary) { announce(document.title.split(" – Espace professionnel")[0]); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    setupSessionTimer();
    /* A form posted without htmx (login…) comes back as a whole page: lead to its errors too. */
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });

  /* htmx fires afterSettle on each element it put in the page: the new captcha block, the new
     wizard, the notices replaced out of band. Each says what it is by its markup. */
  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    enhance(document);
    if (swapped.hasAttribute && swapped.hasAttribute("data-captcha")) {
      var change = swapped.querySelector("button");
      if (change) { change.focus(); }
      announce("Nouvelle image et nouvel extrait sonore affichés.");
    } else if (swapped.id === "wizard") {
      focusAfterSwap(swapped);
    }
  });
})();
