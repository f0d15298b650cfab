"""Council meetings (协商议定) and household votes (户主表决) of the civic loop's negotiate step."""
