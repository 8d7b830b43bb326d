// Ask before a step that cannot be undone: any form with data-confirm.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
}, true);

// The calculator's answer replaces #results below the form: bring it into view on a phone.
document.addEventListener("htmx:afterSwap", (event) => {
  const results = document.getElementById("results");
  if (results && event.detail.target && event.detail.target.id === "results") {
    results.scrollIntoView({behavior: "smooth", block: "start"});
  }
});
