/** @jsxImportSource preact */
// Inline SVG icons (24×24 strokes), hidden from screen readers: their buttons carry labels.

import type { ComponentChildren } from 'preact';

const Svg = ({ children }: { children: ComponentChildren }) => (
  <svg
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
    focusable="false"
  >
    {children}
  </svg>
);

export const ChatIcon = () => (
  <Svg>
    <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1.1-4.6A8 8 0 1 1 21 12z" />
  </Svg>
);

export const CloseIcon = () => (
  <Svg>
    <path d="M6 6l12 12M18 6L6 18" />
  </Svg>
);

export const SendIcon = () => (
  <Svg>
    <path d="M4 12l16-8-6 16-2-7-8-1z" />
  </Svg>
);

export const ThumbUpIcon = () => (
  <Svg>
    <path d="M7 11v9H4v-9h3zm0 0l4-8a2 2 0 0 1 3 2l-1 5h6a2 2 0 0 1 2 2.3l-1.3 6.4A2 2 0 0 1 17.7 20H7" />
  </Svg>
);

export const ThumbDownIcon = () => (
  <Svg>
    <path d="M17 13V4h3v9h-3zm0 0l-4 8a2 2 0 0 1-3-2l1-5H5a2 2 0 0 1-2-2.3l1.3-6.4A2 2 0 0 1 6.3 4H17" />
  </Svg>
);
