import { useEffect, useState } from 'react';

/** The user's theme choice: follow the system, or force one. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'halite.theme';

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

/** Sets `data-theme` on `<html>` (no attribute: the CSS follows `prefers-color-scheme`). */
export function applyTheme(choice: ThemeChoice = stored()): void {
  if (choice === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', choice);
}

/** The theme choice and its setter (kept in localStorage). */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(stored);
  useEffect(() => {
    applyTheme(choice);
    try {
      if (choice === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }, [choice]);
  return [choice, setChoice];
}
