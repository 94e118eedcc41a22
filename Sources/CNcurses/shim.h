#ifndef KASSE_CNCURSES_SHIM_H
#define KASSE_CNCURSES_SHIM_H
/* SwiftPM drops pkg-config's -D_XOPEN_SOURCE, so the wide API is enabled here. */
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncurses.h>

static inline WINDOW *kasse_stdscr(void) { return stdscr; }
static inline int kasse_key_f(int n) { return KEY_F(n); }
static inline int kasse_key_resize(void) { return KEY_RESIZE; }
static inline int kasse_key_up(void) { return KEY_UP; }
static inline int kasse_key_down(void) { return KEY_DOWN; }
static inline int kasse_key_ppage(void) { return KEY_PPAGE; }
static inline int kasse_key_npage(void) { return KEY_NPAGE; }
static inline int kasse_key_enter(void) { return KEY_ENTER; }
static inline int kasse_key_backspace(void) { return KEY_BACKSPACE; }
static inline int kasse_key_code_yes(void) { return KEY_CODE_YES; }
static inline attr_t kasse_a_normal(void) { return A_NORMAL; }
static inline attr_t kasse_a_reverse(void) { return A_REVERSE; }
static inline attr_t kasse_a_bold(void) { return A_BOLD; }
static inline attr_t kasse_a_dim(void) { return A_DIM; }
static inline int kasse_rows(WINDOW *w) { return getmaxy(w); }
static inline int kasse_cols(WINDOW *w) { return getmaxx(w); }
static inline int kasse_set_style(WINDOW *w, attr_t attrs, short pair) { return wattr_set(w, attrs, pair, NULL); }
static inline int kasse_get_wch(WINDOW *w, unsigned int *out) {
    wint_t value = 0;
    int result = wget_wch(w, &value);
    *out = (unsigned int)value;
    return result;
}
static inline int kasse_put(WINDOW *w, int y, int x, const wchar_t *text, int n) { return mvwaddnwstr(w, y, x, text, n); }
#endif
