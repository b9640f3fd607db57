// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move keyboard and screen-reader focus to the summary of form errors.
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }
});
