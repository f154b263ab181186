// "Copiar" buttons next to the values people type elsewhere (fee, tribute code, RUC).
// Progressive enhancement: the buttons are hidden in the HTML and shown only where the
// browser can copy; without JavaScript the values stay plain, selectable text.
'use strict';
(function () {
  if (!navigator.clipboard || !window.isSecureContext) return;
  document.querySelectorAll('button[data-copiar]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copiar'));
    if (!target) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(
        function () {
          button.textContent = 'Copiado';
          setTimeout(function () { button.textContent = label; }, 2000);
        },
        function () { /* the value stays selectable */ }
      );
    });
  });
})();
