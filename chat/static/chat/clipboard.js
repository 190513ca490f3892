// Copy buttons: put text on the clipboard and say on the button whether it worked.

export function copyText(button, text) {
  navigator.clipboard.writeText(text).then(
    () => flash(button, "Copied"),
    () => flash(button, "Copy failed"),
  );
}

function flash(button, label) {
  const original = button.dataset.label ?? button.textContent;
  button.dataset.label = original;
  button.textContent = label;
  setTimeout(() => {
    button.textContent = original;
  }, 1500);
}
