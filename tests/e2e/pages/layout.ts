import type { Locator, Page } from 'playwright-core';

/**
 * Layout measures a user would notice, read from the rendered page: whether it scrolls sideways,
 * whether a table or a button sticks out of its card, whether a checkbox lines up with its text and
 * whether a field shows its whole placeholder.
 */

/** How far the page scrolls sideways, in px (0: everything fits the window's width). */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const main = document.querySelector('.app-main');
    return Math.max(
      doc.scrollWidth - doc.clientWidth,
      main ? main.scrollWidth - main.clientWidth : 0,
    );
  });
}

/**
 * How far an element reaches past the right edge of its panel, or its table past the box that scrolls
 * it, in px: 0 when it is whole on screen without scrolling.
 */
export function overhang(el: Locator): Promise<number> {
  return el.evaluate((e) => {
    const panel = e.closest('.panel');
    const right = panel ? e.getBoundingClientRect().right - panel.getBoundingClientRect().right : 0;
    const scroller = e.closest('.table-scroll');
    const hidden = scroller ? scroller.scrollWidth - scroller.clientWidth : 0;
    return Math.max(0, Math.round(right), hidden);
  });
}

/** A checkbox's size and how far its caption's centre line is from the box's, in px. */
export function checkboxLayout(box: Locator): Promise<{ height: number; offset: number }> {
  return box.evaluate((input) => {
    const label = input.closest('label') ?? input.parentElement!;
    const range = document.createRange();
    range.setStartAfter(input);
    range.setEndAfter(label.lastChild!);
    const text = [...range.getClientRects()].find((r) => r.width > 0)!;
    const b = input.getBoundingClientRect();
    return {
      height: b.height,
      offset: Math.abs((text.top + text.bottom) / 2 - (b.top + b.bottom) / 2),
    };
  });
}

/** The vertical centre of an element, in px from the top of the window. */
export async function centreY(el: Locator): Promise<number> {
  const box = await el.boundingBox();
  if (!box) throw new Error('the element is not on screen');
  return box.y + box.height / 2;
}

/**
 * The width an input's placeholder and its field's caption take beside the room the input gives, in
 * px (padding included): the placeholder is cut when `placeholder > room`, the caption wider than the
 * box when `caption > width`.
 */
export function fieldFit(
  input: Locator,
): Promise<{ placeholder: number; room: number; caption: number; width: number }> {
  return input.evaluate((el) => {
    const inp = el as HTMLInputElement;
    // The placeholder's width as the box lays it out: typed in for a moment (no input event, so the
    // view never sees it), measured as the editor's scroll width, then the value put back.
    const value = inp.value;
    inp.value = inp.placeholder;
    const placeholder = inp.scrollWidth;
    inp.value = value;
    const caption = inp.closest('.field')?.querySelector(':scope > span');
    let captionWidth = 0;
    if (caption) {
      const range = document.createRange();
      range.selectNodeContents(caption);
      captionWidth = range.getBoundingClientRect().width;
    }
    return {
      placeholder,
      room: inp.clientWidth,
      caption: captionWidth,
      width: inp.getBoundingClientRect().width,
    };
  });
}

/** Whether a line of the element's text starts with a "·" separator (a wrap left it at the margin). */
export function dotStartsLine(el: Locator): Promise<boolean> {
  return el.evaluate((root) => {
    const left = root.getBoundingClientRect().left;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (let i = text.indexOf('·'); i >= 0; i = text.indexOf('·', i + 1)) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        if (range.getBoundingClientRect().left - left < 3) return true;
      }
    }
    return false;
  });
}

/** Whether a text input shows its whole value, none of it scrolled out of sight. */
export function showsWholeValue(input: Locator): Promise<boolean> {
  return input.evaluate((el) => el.scrollWidth <= el.clientWidth);
}
