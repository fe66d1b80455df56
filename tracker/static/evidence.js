// The inspection page's evidence upload, on a phone: when a photo is chosen, the browser computes its SHA-256 (the
// server recomputes it and refuses a mismatch) and, for a photo just taken with the camera, records the capture time
// and asks for the position (the officer's browser asks their permission). A file picked from the gallery keeps no
// device time or place: the server reads the photo's own EXIF instead. Without this script the form still works:
// the server computes the hash and reads the EXIF.
(function () {
  "use strict";

  // A file whose last change is this recent was just taken with the camera, not picked from the gallery.
  var FRESH_MS = 2 * 60 * 1000;

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  // A moment as ISO 8601 with the device's own offset: 2020-02-05T10:41:07+08:00.
  function isoWithOffset(moment) {
    var offset = -moment.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return moment.getFullYear() + "-" + pad(moment.getMonth() + 1) + "-" + pad(moment.getDate()) + "T" +
      pad(moment.getHours()) + ":" + pad(moment.getMinutes()) + ":" + pad(moment.getSeconds()) +
      sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (byte) {
      return (byte < 16 ? "0" : "") + byte.toString(16);
    }).join("");
  }

  function digest(file) {
    if (!window.crypto || !window.crypto.subtle || !file.arrayBuffer) {
      return Promise.resolve("");  // not a secure context: the server computes the hash alone
    }
    return file.arrayBuffer().then(function (bytes) {
      return window.crypto.subtle.digest("SHA-256", bytes);
    }).then(hex, function () { return ""; });
  }

  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) {
        resolve(null);
        return;
      }
      navigator.geolocation.getCurrentPosition(resolve, function () { resolve(null); },
        {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }

  // status: the element under the form that says what is going on, its messages in data- attributes.
  function setup(form, status) {
    var file = form.querySelector("input[type=file]");
    var submit = form.querySelector("[type=submit]");
    var fields = {};
    ["sha256", "taken_at", "latitude", "longitude", "accuracy_m"].forEach(function (name) {
      fields[name] = form.querySelector("input[name=" + name + "]");
    });
    if (!file || !fields.sha256) {
      return;
    }
    var pending = null;

    function say(text) {
      status.textContent = text || "";
    }

    file.addEventListener("change", function () {
      Object.keys(fields).forEach(function (name) { fields[name].value = ""; });
      var chosen = file.files && file.files[0];
      if (!chosen) {
        say("");
        return;
      }
      var fresh = chosen.lastModified && Math.abs(Date.now() - chosen.lastModified) <= FRESH_MS;
      if (submit) {
        submit.disabled = true;
      }
      say(status.getAttribute("data-working"));
      var work = pending = Promise.all([digest(chosen), fresh ? position() : Promise.resolve(null)]);
      work.then(function (results) {
        if (work !== pending) {
          return;  // another file was chosen meanwhile
        }
        fields.sha256.value = results[0];
        if (fresh) {
          fields.taken_at.value = isoWithOffset(new Date(chosen.lastModified));
          var place = results[1];
          if (place && place.coords) {
            fields.latitude.value = place.coords.latitude.toFixed(6);
            fields.longitude.value = place.coords.longitude.toFixed(6);
            if (typeof place.coords.accuracy === "number" && isFinite(place.coords.accuracy)) {
              fields.accuracy_m.value = place.coords.accuracy.toFixed(1);
            }
          }
        }
        say(status.getAttribute(fresh ? (results[1] ? "data-fresh-placed" : "data-fresh") : "data-gallery"));
      }).then(function () {
        if (submit && work === pending) {
          submit.disabled = false;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var hash = document.querySelector("input[name=sha256][data-evidence]");
    var status = document.getElementById("evidence-status");
    if (hash && hash.form && status) {
      setup(hash.form, status);
    }
  });
}());
