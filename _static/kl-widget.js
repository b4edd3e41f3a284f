/* The course's widgets on the static website (klutils.widgets.interactive_figure).
 *
 * Every setting a widget's controls can reach was rendered when the book was built, by the same
 * Python that draws the widget in Jupyter (klutils/_widget_export.py). For each setting NAME the
 * folder data-kl-base holds NAME.webp (the figure) and NAME.js, a call
 * klWidgetState({readout, alt, next}) where next[control][stop] names the setting that moving
 * that control to that stop leads to. (A script, not JSON, so that pages opened from file://
 * work too: browsers refuse fetch() there.) This script computes nothing: it follows "next",
 * loads the two files and swaps them in, figure, alt text and readout together. It loads nothing
 * from another site.
 */
(function () {
  "use strict";

  // The settings' scripts call klWidgetState(data); the loader that added the script waits for it.
  const waiting = new Map();  // script URL -> resolve
  window.klWidgetState = function (data) {
    const script = document.currentScript;
    const resolve = script && waiting.get(script.src);
    if (resolve) {
      waiting.delete(script.src);
      resolve(data);
    }
  };

  function loadState(url) {
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = url;
      waiting.set(script.src, resolve);
      script.onload = function () {
        script.remove();
        if (waiting.has(script.src)) {
          waiting.delete(script.src);
          reject(new Error(url + " did not define a setting"));
        }
      };
      script.onerror = function () {
        script.remove();
        waiting.delete(script.src);
        reject(new Error(url + " could not be loaded"));
      };
      document.head.appendChild(script);
    });
  }

  function setUp(root) {
    const data = JSON.parse(root.querySelector("script.kl-widget-data").textContent);
    const base = root.dataset.klBase;
    const figure = root.querySelector("img.kl-widget-figure");
    const readout = root.querySelector(".kl-widget-readout");
    const inputs = data.controls.map(function (control) {
      // Found by data-kl-control, not by name: a page script that fills every input named
      // "q" with the search query (Sphinx's) would otherwise reset a control named q.
      return root.querySelector('[data-kl-control="' + control.name + '"]');
    });
    const states = new Map();
    states.set(data.start, Promise.resolve({next: data.next}));
    let current = data.start;  // the setting the controls show, after the last move
    let queue = Promise.resolve();

    function report(error) {
      console.error("kl-widget:", error);
      readout.textContent = "This setting could not be loaded (" + error.message + ").";
    }

    function state(name) {
      if (!states.has(name)) {
        const loading = loadState(base + name + ".js");
        loading.catch(function () { states.delete(name); });
        states.set(name, loading);
      }
      return states.get(name);
    }

    function image(name) {
      const next = new Image();
      next.src = base + name + ".webp";
      return next.decode().then(function () { return next.src; });
    }

    function showValue(input, index, stop) {
      if (input.type === "range") {
        const text = data.controls[index].texts[stop];
        input.setAttribute("aria-valuetext", text);
        input.nextElementSibling.textContent = text;
      }
    }

    function showControls(name) {
      name.split("-").forEach(function (stop, index) {
        if (inputs[index].value !== stop) {
          inputs[index].value = stop;
        }
        showValue(inputs[index], index, Number(stop));
      });
    }

    function show(name, started) {
      return Promise.all([state(name), image(name)]).then(function (loaded) {
        if (name !== current) {
          return;  // a later move has been made: show that one instead
        }
        figure.src = loaded[1];
        figure.alt = loaded[0].alt;
        readout.innerHTML = loaded[0].readout;
        root.dataset.klShown = name;
        root.dataset.klMoveMs = (performance.now() - started).toFixed(1);
      });
    }

    function move(index) {
      const stop = Number(inputs[index].value);
      const started = performance.now();
      queue = queue.then(function () {
        return state(current).then(function (from) {
          current = from.next[data.controls[index].name][stop];
          showControls(current);
          show(current, started).catch(report);
        });
      }).catch(report);
    }

    inputs.forEach(function (input, index) {
      // Linked controls settle when a move ends (as in Jupyter), so that dragging through
      // intermediate stops cannot change where the other controls land.
      const live = !data.linked && input.type === "range";
      input.addEventListener(live ? "input" : "change", function () { move(index); });
      if (!live && input.type === "range") {
        input.addEventListener("input", function () {
          showValue(input, index, Number(input.value));
        });
      }
      input.disabled = false;
    });
    root.dataset.klShown = data.start;
    root.classList.add("kl-widget-ready");
  }

  function setUpAll() {
    document.querySelectorAll(".kl-widget").forEach(function (root) {
      try {
        setUp(root);
      } catch (error) {
        console.error("kl-widget:", error);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
