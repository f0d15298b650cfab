// The quarterly report's print button (scripts are files: the content security policy allows no inline code).
document.getElementById("print-report")?.addEventListener("click", () => window.print());
