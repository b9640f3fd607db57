// The competence picker, enhanced: a filter box, the chosen competences as removable chips, a
// count per area and, where the page asks for it (the need form), how many firms the chosen
// competences reach. Progressive enhancement only: the checkboxes are the form and work alone.
"use strict";

(() => {
  // Wait this long after the last tick before asking how many firms the choice reaches, so
  // that ticking several boxes in a row asks once.
  const REACH_DELAY_MS = 250;

  // Letters that do not decompose into a base letter and an accent, folded as people type
  // them on a keyboard without them ("lodz" finds "Łódź", "strasse" finds "Straße").
  const OWN_LETTERS = { ł: "l", ß: "ss", đ: "d", ø: "o", æ: "ae", œ: "oe", ı: "i" };

  function fold(text) {
    return text
      .toLocaleLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[łßđøæœı]/g, (letter) => OWN_LETTERS[letter])
      .replace(/[\s-]+/g, " ")
      .trim();
  }

  function filled(pattern, name, value) {
    return pattern.split(`{${name}}`).join(value);
  }

  function enhance(picker) {
    const tools = picker.querySelector("[data-picker-tools]");
    const filter = picker.querySelector("[data-picker-filter]");
    const status = picker.querySelector("[data-picker-status]");
    const chips = picker.querySelector("[data-picker-chips]");
    const nothing = picker.querySelector("[data-picker-nothing]");
    const areas = Array.from(picker.querySelectorAll(".competence-area"));
    const boxes = Array.from(picker.querySelectorAll('input[type="checkbox"]'));
    if (!tools || !filter || !chips) {
      return;
    }
    const nameOf = (box) => box.closest("label").textContent.trim();
    // What the filter looks in: the competence's name as shown, its slug (the same in every
    // language) and its area's name.
    const haystacks = new Map(
      boxes.map((box) => {
        const area = box.closest(".competence-area").querySelector(".area-name").textContent;
        return [box, fold(`${nameOf(box)} ${box.value} ${area}`)];
      }),
    );

    function showChosen() {
      const chosen = boxes.filter((box) => box.checked);
      chips.replaceChildren(...chosen.map(chip));
      chips.hidden = chosen.length === 0;
      nothing.hidden = chosen.length > 0;
      for (const area of areas) {
        const count = area.querySelectorAll('input[type="checkbox"]:checked').length;
        const badge = area.querySelector("[data-area-count]");
        badge.textContent = filled(picker.dataset.countText, "num", String(count));
        badge.hidden = count === 0;
      }
    }

    function chip(box) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      const cross = document.createElement("span");
      button.type = "button";
      button.className = "chip";
      button.dataset.value = box.value;
      button.setAttribute("aria-label", filled(picker.dataset.removeText, "name", nameOf(box)));
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "×";
      button.append(nameOf(box), " ", cross);
      button.addEventListener("click", () => unchoose(box));
      item.append(button);
      return item;
    }

    // Untick a box from its chip; focus goes to the chip that takes its place, else to the
    // filter box, never to the top of the page.
    function unchoose(box) {
      const before = Array.from(chips.querySelectorAll("button"));
      const index = before.findIndex((button) => button.dataset.value === box.value);
      box.checked = false;
      box.dispatchEvent(new Event("change", { bubbles: true }));
      const after = Array.from(chips.querySelectorAll("button"));
      (after[Math.min(index, after.length - 1)] || filter).focus();
    }

    // The areas' open state before a search opened the areas with matches, to go back to.
    let openBefore = null;

    function applyFilter() {
      const words = fold(filter.value).split(" ").filter(Boolean);
      if (words.length && openBefore === null) {
        openBefore = areas.map((area) => area.open);
      }
      let shown = 0;
      for (const area of areas) {
        let inArea = 0;
        for (const box of area.querySelectorAll('input[type="checkbox"]')) {
          const matches = words.every((word) => haystacks.get(box).includes(word));
          box.closest("label").hidden = !matches;
          inArea += matches ? 1 : 0;
        }
        area.hidden = inArea === 0;
        if (words.length) {
          area.open = inArea > 0;
        }
        shown += inArea;
      }
      if (!words.length && openBefore !== null) {
        areas.forEach((area, index) => {
          area.open = openBefore[index] || area.querySelector("input:checked") !== null;
        });
        openBefore = null;
      }
      status.textContent = words.length && shown === 0 ? picker.dataset.noneText : "";
    }

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", (event) => {
      // Enter in the filter box would send the whole form.
      if (event.key === "Enter") {
        event.preventDefault();
      } else if (event.key === "Escape" && filter.value) {
        event.preventDefault();
        filter.value = "";
        applyFilter();
      }
    });
    picker.addEventListener("change", (event) => {
      if (boxes.includes(event.target)) {
        showChosen();
      }
    });
    tools.hidden = false;
    showChosen();

    const reach = picker.querySelector("[data-reach-url]");
    if (reach) {
      followReach(picker, reach, boxes);
    }
  }

  // Keep the count of firms the chosen competences reach up to date, from the server.
  function followReach(picker, region, boxes) {
    let timer = 0;
    let asked = 0;
    let pending = null;

    async function ask() {
      const number = ++asked;
      pending?.abort();
      pending = new AbortController();
      const url = new URL(region.dataset.reachUrl, window.location.href);
      for (const box of boxes.filter((b) => b.checked)) {
        url.searchParams.append("competences", box.value);
      }
      let answer;
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: pending.signal,
        });
        // A session that ended answers with the sign-in page: keep the last count shown.
        if (!response.ok || !response.headers.get("Content-Type")?.includes("json")) {
          return;
        }
        answer = await response.json();
      } catch {
        return; // Aborted for a newer choice, or offline: the form works without the count.
      }
      // Only the answer to the latest choice is shown; an older one may arrive after it.
      if (number === asked) {
        show(region, answer);
      }
    }

    picker.addEventListener("change", (event) => {
      if (boxes.includes(event.target)) {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, REACH_DELAY_MS);
      }
    });
    // A browser that restored ticks on going back shows a choice the page was not made for.
    if (boxes.some((box) => box.checked !== box.defaultChecked)) {
      ask();
    }
  }

  function show(region, answer) {
    const text = document.createElement("p");
    text.textContent = answer.text;
    const parts = [text];
    if (answer.nearest.length) {
      const list = document.createElement("ul");
      for (const competence of answer.nearest) {
        const item = document.createElement("li");
        item.textContent = competence.text;
        list.append(item);
      }
      parts.push(list);
    }
    region.classList.toggle("reach-warning", answer.warning);
    region.replaceChildren(...parts);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-competence-picker]").forEach(enhance);
  });
})();
