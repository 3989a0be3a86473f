"""What pipelines/corpus.py keeps: decisions made by looking at every candidate.

Every raster picture of at least 128 px with colour was looked at on the numbered contact
sheets that `python pipelines/corpus.py --review` draws (WORK/review/candidates-NN.png), some
at full size. The rule: a camera photograph or camera video is kept; drawings, cartoons, clip
art, paintings (and puzzle pieces cut from them), 3D renders, low-poly and abstract wallpapers,
logos, icons, screenshots, text and charts, textures and colour-graded composites are not,
nor scientific imagery whose colours are not a scene's (planet globes, telescope and
microscope images, the fundus photograph). Paths are fnmatch patterns on the path inside the
package (a gcompris picture: 'RCC::ENTRY'); EXCLUDE wins over INCLUDE; anything not included
is listed in excluded.csv as not a photograph.
"""

TUX = "usr/share/tuxpaint/stamps/"
GC = "usr/share/gcompris-qt/rcc/*.rcc::gcompris/src/activities/"

INCLUDE: dict[str, list[str]] = {
    # Photographs among the wallpapers: the rest are abstract, low-poly, rendered or painted
    # (Altai, Autumn, Flow, IceCold, Kay, MilkyWay and Volna are digital art despite their
    # subjects). A wallpaper's other sizes and its screenshot are dropped as duplicates.
    "plasma-workspace-wallpapers": [
        f"usr/share/wallpapers/{name}/*"
        for name in (
            "BytheWater",
            "ColorfulCups",
            "DarkestHour",
            "EveningGlow",
            "FallenLeaf",
            "Kite",
            "OneStandsOut",
            "Path",
            "summer_1am",
        )
    ],
    "mate-backgrounds": ["usr/share/backgrounds/mate/nature/*"],  # abstract/ and desktop/ are not photographs
    "gnome-backgrounds": [],  # all abstract or rendered
    "ukui-wallpapers": [],  # all illustrations or renders
    "sway-backgrounds": [],  # logo
    "desktop-base": [],  # themes, logos, boot screens
    "lomiri-wallpapers": [],  # abstract
    # All but analogpattern (a tinted texture) and umang (a gradient).
    "lomiri-wallpapers-16.04": [
        f"usr/share/backgrounds/{name}.jpg"
        for name in (
            "Bridge_by_Sander_Klootwijk",
            "Dragonfly_by_Bolly",
            "Picture_0B_by_freespace",
            "Picture_1A_by_freespace",
            "Wine_by_Jakkub_Mede",
            "aitzgorri_by_Aitzol_Berasategi",
            "free_by_Peter_Nerlich",
            "friends_by_Aitzol_Berasategi",
            "greentock_by_Peter_Nerlich",
            "life_by_Aitzol_Berasategi",
            "picosdeeuropa_by_Aitzol_Berasategi",
            "seeding_by_Clements_Engelhardt",
            "sunset_by_Aitzol_Berasategi",
        )
    ],
    # Fossa and Painting-Colors are abstract, Infinite-Sea a composite over a gradient.
    "lomiri-wallpapers-20.04": ["usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg"],
    # Tux Paint stamps are cut-outs; the photographic ones (drawn ones live in cartoon/
    # folders, plus the few below in EXCLUDE) are cropped to their opaque part.
    "tuxpaint-stamps-default": [
        TUX + p
        for p in (
            "animals/*",
            "hobbies/music/*",
            "household/*",
            "military/*",
            "plants/*",
            "food/fruit/Apricot_whole.png",
            "food/fruit/Cherry_Stella.png",
            "food/fruit/Strawberry2.png",
            "food/fruit/apricot.png",
            "food/fruit/avocado.png",
            "food/fruit/cherimoya.png",
            "food/fruit/kiwi.png",
            "food/fruit/orange_seville.png",
            "food/spices/ginger.png",
            "medical/mercurythermometer.png",
            "medical/stethoscope.png",
            "medical/syringe.png",
            "naturalforces/explosion.png",
            "naturalforces/fire.png",
            "people/fireman200b.png",
            "people/toys/grannysmith.png",
            "seasonal/candle.png",
            "seasonal/christmas/*_photo*.png",
            "seasonal/christmas/Christmas_pudding.png",
            "seasonal/christmas/German_Christmas_toy.png",
            "seasonal/christmas/Mince_Pie.png",
            "seasonal/christmas/Roast_turkey.png",
            "seasonal/halloween/grave-?.png",
            "space/apollo_lander.png",
            "town/monuments/inukshuk-photo.png",
            "town/roadsigns/railroad_crossing.png",
            "vehicles/construction/dumper.png",
            "vehicles/emergency/firetruck.png",
            "vehicles/flight/*",
            "vehicles/garbagetruck.png",
            "vehicles/masstransit/green_korean_bus.png",
            "vehicles/race/indycar.png",
            "vehicles/ship/walnutBoat.png",
            "vehicles/wheel_tractor.png",
        )
    ],
    # gcompris: the photographs of these activities; lang/ and chronos/ are drawings,
    # paintings/ and babyshapes/ puzzle pieces of paintings and of one dog photo, details/ has
    # paintings beside the photographs kept here, the planets are globes.
    "gcompris-qt-data": [
        GC + p
        for p in (
            "categorization/resource/images/*",
            "clickgame/resource/sea*",
            "erase/resource/*",
            "explore_farm_animals/resource/animals/*",
            "explore_monuments/resource/*",
            "explore_world_animals/resource/animals/*",
            "explore_world_music/resource/music/*",
            "leftright/resource/*_0.webp",
            "louis-braille/resource/braille_ball.webp",
            "louis-braille/resource/fireplace.webp",
            "louis-braille/resource/rnib.webp",
            "louis-braille/resource/statue.webp",
            "louis-braille/resource/teach.webp",
            "louis-braille/resource/workshop.webp",
        )
    ]
    + [
        f"{GC}details/resource/image/{name}_background.webp"
        for name in (
            "Chenonceau",
            "EgeskovSlotSpejling",
            "EilanDonanCastle",
            "FanoeWindmill",
            "GizahPyramids",
            "Louvre_2007_02_24_c",
            "NDP",
            "Nagoya",
            "Neuschwanstein",
            "OperaSidney",
            "TajMahal",
            "TourEiffel",
            "TowerBridgeLondon",
        )
    ],
    # The cat photograph (in six formats) and the concert film (in twenty containers).
    "iscc-samples": ["iscc_samples/files/image/*", "iscc_samples/files/video/*"],
    # Not color.png (a colour wheel), hubble_deep_field, ihc, retina, logo, nor the tiny GIF.
    "scikit-image": [
        f"skimage/data/{name}"
        for name in (
            "astronaut.png",
            "chelsea.png",
            "coffee.png",
            "rocket.jpg",
            "motorcycle_left.png",
            "motorcycle_right.png",
        )
    ],
    # opencv-doc's examples' data: the colour photographs and the two camera videos. Not the
    # renders (Blender_Suzanne, ml, aloeGT), drawings and logos (HappyFish, cards, pic1-6, the
    # logos, detect_blob, ellipses, mask, templ, tmpl), charts and text (chessboard, digits,
    # notes, sudoku, imageText*, text_*), graf1/graf3 (a painted wall), starry_night (a
    # painting), ela_modified (a doctored copy of ela_original), the calibration views
    # (left01-14, right01-14: gray) nor Megamind (animation).
    "opencv-doc": [
        f"usr/share/doc/opencv-doc/examples/data/{name}"
        for name in (
            "aero1.jpg",
            "aero3.jpg",
            "aloeL.jpg",
            "aloeR.jpg",
            "apple.jpg",
            "baboon.jpg",
            "basketball1.png",
            "basketball2.png",
            "board.jpg",
            "box.png",
            "box_in_scene.png",
            "building.jpg",
            "butterfly.jpg",
            "chicky_512.png",
            "ela_original.jpg",
            "fruits.jpg",
            "home.jpg",
            "left.jpg",
            "right.jpg",
            "leuvenA.jpg",
            "leuvenB.jpg",
            "licenseplate_motion.jpg",
            "messi5.jpg",
            "orange.jpg",
            "pca_test1.jpg",
            "rubberwhale1.png",
            "rubberwhale2.png",
            "smarties.png",
            "squirrel_cls.jpg",
            "stuff.jpg",
            "vtest.avi",
            "tree.avi",
        )
    ],
}

EXCLUDE: dict[str, list[str]] = {
    "tuxpaint-stamps-default": [
        "*/cartoon/*",  # drawings
        TUX + "animals/mammals/hedgehog.png",  # a drawing outside cartoon/
        TUX + "*_mirror.png",  # a mirrored copy of another stamp
    ],
}

# Two files of one photograph that the hashes do not pair: kept as one (the larger).
SAME_PHOTO: list[tuple[tuple[str, str], tuple[str, str]]] = [
    (
        ("scikit-image", "skimage/data/motorcycle_left.png"),
        ("scikit-image", "skimage/data/motorcycle_right.png"),
    ),  # a stereo pair
    (
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/aloeL.jpg"),
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/aloeR.jpg"),
    ),  # a stereo pair
    (
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/left.jpg"),
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/right.jpg"),
    ),  # a stereo pair
    (
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/leuvenA.jpg"),
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/leuvenB.jpg"),
    ),  # two views of one street
    (
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/rubberwhale1.png"),
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/rubberwhale2.png"),
    ),  # two frames of one scene
    (
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/basketball1.png"),
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/basketball2.png"),
    ),  # two frames of one scene
    (
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/aero1.jpg"),
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/aero3.jpg"),
    ),  # two views of one town
    (
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/box.png"),
        ("opencv-doc", "usr/share/doc/opencv-doc/examples/data/box_in_scene.png"),
    ),  # the same box
]

# Stretches of a kept video that are not camera pictures: (start s, end s, why).
FRAME_EXCLUDE: dict[tuple[str, str], list[tuple[float, float, str]]] = {
    ("iscc-samples", "iscc_samples/files/video/demo.mp4"): [
        (0.0, 5.5, "title card"),
        (10.5, 15.5, "caption band over the picture"),
    ],
}
