// Public report form: optional location from the phone (only when the person presses the button
// and the browser asks for consent), and the contact fields shown only when wanted.
// No inline script anywhere (CSP); without JavaScript the form works as plain HTML.
(function () {
  "use strict";
  var form = document.getElementById("public-report-form");
  if (!form) { return; }
  var lat = form.querySelector("input[name=latitude]");
  var lon = form.querySelector("input[name=longitude]");
  var box = document.getElementById("location-box");
  var useBtn = document.getElementById("use-location");
  var clearBtn = document.getElementById("clear-location");
  var status = document.getElementById("location-status");

  function showAdded(accuracy) {
    var text = status.dataset.added;
    if (accuracy) { text += " (" + status.dataset.accuracy.replace("%s", Math.round(accuracy)) + ")"; }
    status.textContent = text;
    clearBtn.hidden = false;
  }

  if (box && lat && lon && "geolocation" in navigator) {
    box.hidden = false;
    if (lat.value && lon.value) { showAdded(null); }
    useBtn.addEventListener("click", function () {
      status.textContent = status.dataset.waiting;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        showAdded(pos.coords.accuracy);
      }, function () {
        status.textContent = status.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    clearBtn.addEventListener("click", function () {
      lat.value = ""; lon.value = "";
      clearBtn.hidden = true;
      status.textContent = "";
    });
  }

  var contact = document.getElementById("contact-fields");
  function syncContact() {
    var chosen = form.querySelector("input[name=contact]:checked");
    contact.hidden = !(chosen && chosen.value === "contact");
  }
  if (contact) {
    form.querySelectorAll("input[name=contact]").forEach(function (r) {
      r.addEventListener("change", syncContact);
    });
    syncContact();
  }
})();
