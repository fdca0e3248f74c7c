// The staff ticket page's live part (viewers, new messages): written by the live helper; without JavaScript the page is complete.
