// Camera scanning where the browser has a barcode detector; typing works everywhere.
if ("BarcodeDetector" in window) {
  const button = document.getElementById("scan"), video = document.getElementById("camera");
  button.style.display = "inline-block";
  button.onclick = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    video.srcObject = stream; video.style.display = "block"; await video.play();
    const detector = new BarcodeDetector({formats: ["qr_code"]});
    const tick = async () => {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) { const input = document.getElementById("code"); input.value = codes[0].rawValue; htmx.trigger(input.form, "submit"); setTimeout(tick, 1500); }
      else requestAnimationFrame(tick);
    };
    tick();
  };
}
