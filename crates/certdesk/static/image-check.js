// Checks a photo or signature as soon as it is chosen, before the form is sent, and shows
// a thumbnail with the ✓/✗ list of checks. Without JavaScript the same list appears after
// sending, next to the field. Talks only to this server (POST /api/v1/image-checks).
(function () {
  "use strict";
  function csrfToken(input) {
    var form = input.form;
    var field = form && form.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }
  function render(box, result, what) {
    box.textContent = "";
    if (result.thumbnail) {
      var img = document.createElement("img");
      img.src = result.thumbnail;
      img.alt = what + " que eligió";
      img.className = "image-report-thumb";
      box.appendChild(img);
    }
    var list = document.createElement("ul");
    list.className = "checks";
    result.checks.forEach(function (check) {
      var li = document.createElement("li");
      li.className = check.passed ? "check-ok" : "check-bad";
      var mark = document.createElement("span");
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = check.passed ? "✓ " : "✗ ";
      var label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = check.passed ? "Bien: " : "Corregir: ";
      li.appendChild(mark);
      li.appendChild(label);
      li.appendChild(document.createTextNode(check.message));
      list.appendChild(li);
    });
    box.appendChild(list);
    box.hidden = false;
  }
  function onChange(event) {
    var input = event.target;
    var box = document.getElementById(input.dataset.report);
    if (!box) return;
    if (!input.files || !input.files[0]) {
      // Nothing chosen any more: no result may stand next to an empty field.
      box.textContent = "";
      box.hidden = true;
      return;
    }
    box.classList.remove("image-report-earlier");
    var what = input.dataset.imageCheck === "photo" ? "La foto" : "La firma";
    box.hidden = false;
    box.textContent = "Revisando " + what.toLowerCase() + "…";
    var body = new FormData();
    body.append("purpose", input.dataset.imageCheck);
    body.append("file", input.files[0]);
    fetch("/api/v1/image-checks", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(input) },
    })
      .then(function (res) {
        return res.json().then(function (json) {
          return { ok: res.ok, json: json };
        });
      })
      .then(function (r) {
        if (r.ok) {
          render(box, r.json, what);
        } else {
          var errors = (r.json.errors && r.json.errors.file) || [r.json.detail];
          render(box, { checks: errors.map(function (m) { return { passed: false, message: m }; }) }, what);
        }
      })
      .catch(function () {
        box.textContent = "No se pudo revisar la imagen ahora; se revisará al registrar al solicitante.";
      });
  }
  document.querySelectorAll("input[data-image-check]").forEach(function (input) {
    input.addEventListener("change", onChange);
  });
})();
